"""One live lab per lesson, keyed by the lesson's id (the id that joins text, lab, checks, progress).

Labs are imported only when the learner opens one, so neither Textual start-up nor the course
overview pays for torch.
"""

from __future__ import annotations

import importlib

from tutor.app.labs.base import Lab, LabUnavailable

# lesson id -> "module:Class" under tutor.app.labs
LABS: dict[str, str] = {
    "m1-l01-inside-llms": "l01_next_token:NextTokenLab",
    "m1-l02-context-to-deployment": "l02_context:ContextLab",
    "m1-l03-history": "l03_timeline:TimelineLab",
    "m1-l04-tokenization": "l04_tokens:TokensLab",
    "m1-l05-neural-networks": "l05_mlp:MLPLab",
    "m1-l06-gpt2-attention": "l06_attention:AttentionLab",
    "m1-l07-pytorch": "l07_pytorch:PyTorchLab",
    "m2-l08-gpt2-from-scratch": "l08_gpt2:GPT2Lab",
    "m2-l09-rope": "l09_rope:RoPELab",
    "m2-l10-rope-in-gpt2": "l10_rope_vs_learned:RoPEvsLearnedLab",
    "m2-l11-scaling-multimodal": "l11_scaling:ScalingLab",
    "m2-l12-training": "l12_training:TrainingLab",
    "m2-l13-moe": "l13_moe:MoELab",
    "m2-l14-hardware": "l14_hardware:HardwareLab",
    "m2-l15-ollama-exo": "l15_ollama:OllamaLab",
}


def make_lab(lesson_id: str) -> Lab:
    target = LABS.get(lesson_id)
    if target is None:
        return LabUnavailable(lesson_id)
    module_name, class_name = target.split(":")
    try:
        module = importlib.import_module(f"tutor.app.labs.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"tutor.app.labs.{module_name}":
            raise
        return LabUnavailable(lesson_id)  # not built yet: say so honestly
    return getattr(module, class_name)()
