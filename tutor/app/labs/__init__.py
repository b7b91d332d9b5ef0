"""One live lab per lesson, keyed by the lesson's id (the id that joins text, lab, checks, progress).

Labs are imported only when the learner opens one, so neither Textual start-up nor the course
overview pays for torch.
"""

from __future__ import annotations

import importlib

from tutor.app.labs.base import Lab, LabUnavailable

# lesson id -> "module:Class" under tutor.app.labs
LABS: dict[str, str] = {
    "m1-l03-history": "l03_timeline:TimelineLab",
}


def make_lab(lesson_id: str) -> Lab:
    target = LABS.get(lesson_id)
    if target is None:
        return LabUnavailable(lesson_id)
    module_name, class_name = target.split(":")
    module = importlib.import_module(f"tutor.app.labs.{module_name}")
    return getattr(module, class_name)()
