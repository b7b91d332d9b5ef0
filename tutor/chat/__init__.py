"""The chat with a local model, headless (no Textual here; the screens are tutor/app/chat/).

- `backends`: Ollama through the official `ollama` client, and OpenAI-compatible servers (exo,
  llama.cpp, LM Studio) over httpx; one interface, cancellable streams, typed errors with messages.
- `history`: chats and messages in the app's SQLite store; answers saved while they stream.
- `tutor_mode`: the system prompt built from the lesson the learner is on.
- `picker`: fit verdicts for the model picker, through one adapter to tutor.fit.
- `clipboard`: OSC 52 copy (works over SSH, tmux and screen).
"""
