"""The chat tab, in parts: the screen (`screen`), the conversation's widgets (`log`), the model picker,
the history, the settings and the plain view. The headless side (backends, store, sanitising) is tutor/chat/."""

from tutor.app.chat.common import clean_input, copy_to_terminal, format_stats
from tutor.app.chat.history import HistoryScreen
from tutor.app.chat.log import AssistantMessage, UserMessage
from tutor.app.chat.picker import ModelPicker
from tutor.app.chat.plain import PlainView
from tutor.app.chat.screen import ChatInput, ChatScreen
from tutor.app.chat.settings import SettingsScreen

__all__ = [
    "AssistantMessage",
    "ChatInput",
    "ChatScreen",
    "HistoryScreen",
    "ModelPicker",
    "PlainView",
    "SettingsScreen",
    "UserMessage",
    "clean_input",
    "copy_to_terminal",
    "format_stats",
]
