"""A history of AI from Turing (1950) to GPT-4o (2024), and the GPT generations' sizes.

Data for lesson 3 ("Historia de la IA de Turing a GPT-4"). Pure Python, no torch.
Every entry has a one-line text in Spanish and in English. Events the course's source material
mentions (ELIZA, expert systems, SVMs, AlexNet, the transformer, BERT, GPT-3, RLHF/ChatGPT,
GPT-4o and Gemini 1.5 Pro as multimodal models, Llama 3) are all here.

Parameter counts are only given where the developer published them. OpenAI has not published the
size of GPT-3.5, GPT-4 or GPT-4o: they are `None` (unknown) and must never be filled with a guess.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TimelineEvent:
    year: int
    es: str
    en: str
    tag: str  # "idea", "neural", "winter", "ml", "llm"
    month: int | None = None  # when it matters for the order inside a year
    end_year: int | None = None  # for periods such as the AI winters

    def text(self, lang: str = "es") -> str:
        return self.es if lang == "es" else self.en

    @property
    def label(self) -> str:
        """'1950' or '1974–1980' for a period."""
        return f"{self.year}–{self.end_year}" if self.end_year else str(self.year)

    @property
    def sort_key(self) -> tuple[int, int]:
        return (self.year, self.month or 0)


TAGS: dict[str, tuple[str, str]] = {
    "idea": ("idea fundacional", "founding idea"),
    "neural": ("redes neuronales", "neural networks"),
    "winter": ("invierno de la IA", "AI winter"),
    "ml": ("aprendizaje automático", "machine learning"),
    "llm": ("modelos de lenguaje", "language models"),
}

EVENTS: tuple[TimelineEvent, ...] = (
    TimelineEvent(1950, "Alan Turing publica «Computing Machinery and Intelligence» y propone el test de Turing.",
                  "Alan Turing publishes 'Computing Machinery and Intelligence' and proposes the Turing test.",
                  "idea", month=10),
    TimelineEvent(1956, "Taller de Dartmouth: nace la «inteligencia artificial» como campo de estudio.",
                  "Dartmouth workshop: 'artificial intelligence' is born as a field of study.", "idea"),
    TimelineEvent(1958, "Frank Rosenblatt presenta el perceptrón, una neurona artificial que aprende sus pesos.",
                  "Frank Rosenblatt introduces the perceptron, an artificial neuron that learns its weights.",
                  "neural"),
    TimelineEvent(1966, "ELIZA (Joseph Weizenbaum), el primer chatbot, imita a una terapeuta con reglas simples.",
                  "ELIZA (Joseph Weizenbaum), the first chatbot, imitates a therapist with simple rules.", "idea"),
    TimelineEvent(1969, "Minsky y Papert publican «Perceptrons»: una sola capa no puede aprender XOR.",
                  "Minsky and Papert publish 'Perceptrons': a single layer cannot learn XOR.", "neural"),
    TimelineEvent(1974, "Primer invierno de la IA: las promesas no se cumplen y se recorta la financiación.",
                  "First AI winter: promises go unmet and funding is cut.", "winter", end_year=1980),
    TimelineEvent(1980, "Auge de los sistemas expertos: reglas escritas a mano por especialistas (p. ej. XCON).",
                  "Expert systems boom: rules hand-written by specialists (e.g. XCON).", "ml"),
    TimelineEvent(1986, "Rumelhart, Hinton y Williams popularizan la retropropagación para entrenar redes multicapa.",
                  "Rumelhart, Hinton and Williams popularise backpropagation to train multilayer networks.",
                  "neural"),
    TimelineEvent(1987, "Segundo invierno de la IA: se hunde el mercado de las máquinas Lisp y los sistemas expertos decepcionan.",
                  "Second AI winter: the Lisp-machine market collapses and expert systems disappoint.", "winter", end_year=1993),
    TimelineEvent(1995, "Cortes y Vapnik publican las máquinas de vectores de soporte (SVM); el aprendizaje automático crece.",
                  "Cortes and Vapnik publish support vector machines (SVMs); machine learning grows.", "ml"),
    TimelineEvent(1997, "Hochreiter y Schmidhuber proponen la LSTM, una red recurrente con memoria a largo plazo.",
                  "Hochreiter and Schmidhuber propose the LSTM, a recurrent network with long-term memory.",
                  "neural"),
    TimelineEvent(1997, "Deep Blue de IBM vence al campeón mundial de ajedrez Garry Kasparov.",
                  "IBM's Deep Blue beats world chess champion Garry Kasparov.", "ml", month=5),
    TimelineEvent(2009, "ImageNet: un conjunto de millones de imágenes etiquetadas para medir la visión artificial.",
                  "ImageNet: a dataset of millions of labelled images to measure computer vision.", "ml"),
    TimelineEvent(2012, "AlexNet gana ImageNet con una red profunda entrenada en GPU: empieza la era del deep learning.",
                  "AlexNet wins ImageNet with a deep network trained on GPUs: the deep learning era begins.",
                  "neural"),
    TimelineEvent(2013, "word2vec (Mikolov y otros): embeddings de palabras donde rey − hombre + mujer ≈ reina.",
                  "word2vec (Mikolov et al.): word embeddings where king − man + woman ≈ queen.", "neural"),
    TimelineEvent(2014, "Goodfellow y otros presentan las redes generativas antagónicas (GAN).",
                  "Goodfellow et al. introduce generative adversarial networks (GANs).", "neural", month=6),
    TimelineEvent(2014, "Bahdanau, Cho y Bengio añaden atención a la traducción automática neuronal.",
                  "Bahdanau, Cho and Bengio add attention to neural machine translation.", "neural", month=9),
    TimelineEvent(2017, "Shazeer y otros: capas Mixture of Experts dispersas con miles de millones de parámetros.",
                  "Shazeer et al.: sparse Mixture-of-Experts layers with billions of parameters.", "llm", month=1),
    TimelineEvent(2017, "«Attention Is All You Need» (Vaswani y otros) presenta la arquitectura Transformer.",
                  "'Attention Is All You Need' (Vaswani et al.) introduces the Transformer architecture.",
                  "llm", month=6),
    TimelineEvent(2018, "GPT-1 de OpenAI: un Transformer preentrenado de 117 millones de parámetros.",
                  "OpenAI's GPT-1: a pre-trained Transformer with 117 million parameters.", "llm", month=6),
    TimelineEvent(2018, "BERT de Google: preentrenamiento bidireccional con palabras enmascaradas.",
                  "Google's BERT: bidirectional pre-training with masked words.", "llm", month=10),
    TimelineEvent(2019, "GPT-2: 1,500 millones de parámetros; OpenAI lo publica por etapas.",
                  "GPT-2: 1.5 billion parameters; OpenAI releases it in stages.", "llm", month=2),
    TimelineEvent(2020, "Kaplan y otros describen las leyes de escalado: la pérdida baja como ley de potencias.",
                  "Kaplan et al. describe scaling laws: loss falls as a power law.", "llm", month=1),
    TimelineEvent(2020, "GPT-3: 175,000 millones de parámetros; aprende tareas con pocos ejemplos en el prompt.",
                  "GPT-3: 175 billion parameters; learns tasks from a few examples in the prompt.", "llm", month=5),
    TimelineEvent(2021, "RoFormer (Su y otros) presenta RoPE, la codificación posicional rotatoria.",
                  "RoFormer (Su et al.) introduces RoPE, rotary positional encoding.", "llm", month=4),
    TimelineEvent(2022, "InstructGPT: ajuste con instrucciones y RLHF (aprendizaje por refuerzo con feedback humano).",
                  "InstructGPT: instruction tuning and RLHF (reinforcement learning from human feedback).",
                  "llm", month=3),
    TimelineEvent(2022, "Chinchilla (DeepMind): con el mismo cómputo, conviene un modelo menor con más datos.",
                  "Chinchilla (DeepMind): for the same compute, a smaller model with more data is better.",
                  "llm", month=3),
    TimelineEvent(2022, "ChatGPT: el ajuste para conversar lleva los LLM al gran público.",
                  "ChatGPT: tuning for conversation brings LLMs to the general public.", "llm", month=11),
    TimelineEvent(2023, "LLaMA de Meta: pesos para investigación, de 7,000 a 65,000 millones de parámetros.",
                  "Meta's LLaMA: weights for researchers, from 7 to 65 billion parameters.", "llm", month=2),
    TimelineEvent(2023, "GPT-4: multimodal (texto e imágenes); OpenAI no publica su tamaño.",
                  "GPT-4: multimodal (text and images); OpenAI does not publish its size.", "llm", month=3),
    TimelineEvent(2023, "Anthropic lanza Claude.",
                  "Anthropic launches Claude.", "llm", month=3),
    TimelineEvent(2023, "Mistral 7B: un modelo abierto pequeño de la empresa francesa Mistral AI.",
                  "Mistral 7B: a small open model from the French company Mistral AI.", "llm", month=9),
    TimelineEvent(2023, "Mixtral 8x7B: un modelo abierto de tipo Mixture of Experts.",
                  "Mixtral 8x7B: an open Mixture-of-Experts model.", "llm", month=12),
    TimelineEvent(2024, "Gemini 1.5 Pro de Google: multimodal y con una ventana de contexto muy larga.",
                  "Google's Gemini 1.5 Pro: multimodal, with a very long context window.", "llm", month=2),
    TimelineEvent(2024, "Llama 3 de Meta: modelos de pesos abiertos de 8,000 y 70,000 millones de parámetros.",
                  "Meta's Llama 3: open-weight models with 8 and 70 billion parameters.", "llm", month=4),
    TimelineEvent(2024, "GPT-4o: un solo modelo para texto, audio e imagen.",
                  "GPT-4o: a single model for text, audio and images.", "llm", month=5),
)


def events(start: int | None = None, end: int | None = None, tag: str | None = None) -> list[TimelineEvent]:
    """The timeline in chronological order, optionally filtered by years and tag."""
    out = sorted(EVENTS, key=lambda e: e.sort_key)
    if start is not None:
        out = [e for e in out if (e.end_year or e.year) >= start]
    if end is not None:
        out = [e for e in out if e.year <= end]
    if tag is not None:
        out = [e for e in out if e.tag == tag]
    return out


def timeline_lines(lang: str = "es") -> list[tuple[str, str]]:
    """(year label, one-line text) pairs in order, ready to print."""
    return [(e.label, e.text(lang)) for e in events()]


@dataclass(frozen=True)
class GPTGeneration:
    name: str
    year: int
    params: float | None  # None: not published
    source_es: str
    source_en: str


# Sources: Radford et al. 2018 (GPT-1, 117M), Radford et al. 2019 (GPT-2, largest model 1.5B),
# Brown et al. 2020 (GPT-3, 175B). OpenAI has not published GPT-3.5's, GPT-4's or GPT-4o's size
# (the GPT-4 technical report says it withholds "model size"), so those stay None.
GPT_GENERATIONS: tuple[GPTGeneration, ...] = (
    GPTGeneration("GPT-1", 2018, 117e6, "Radford y otros, 2018", "Radford et al., 2018"),
    GPTGeneration("GPT-2", 2019, 1.5e9, "Radford y otros, 2019", "Radford et al., 2019"),
    GPTGeneration("GPT-3", 2020, 175e9, "Brown y otros, 2020", "Brown et al., 2020"),
    GPTGeneration("GPT-3.5", 2022, None, "no publicado", "not published"),
    GPTGeneration("GPT-4", 2023, None, "no publicado", "not published"),
    GPTGeneration("GPT-4o", 2024, None, "no publicado", "not published"),
)


@dataclass(frozen=True)
class LogBar:
    name: str
    year: int
    params: float | None
    log10: float | None  # log10(params), None when unknown
    length: int  # bar length in cells (0 when unknown)
    label: str  # "117M", "1.5B", "175B" or "?"


def gpt_log_bars(width: int = 40, lang: str = "es") -> list[LogBar]:
    """Bars for a log-scale chart of the GPT generations' sizes.

    The scale runs from 10^7 (empty bar) to 10^12 (full `width`), so each factor of 10 is width/5
    cells: GPT-1 -> GPT-3 is more than a thousandfold (about 3.2 decades). Unknown sizes get
    length 0 and a "?" label: the UI says "no publicado"/"not published".
    """
    lo, hi = 7.0, 12.0
    bars = []
    unknown = "?"
    for g in GPT_GENERATIONS:
        if g.params is None:
            bars.append(LogBar(g.name, g.year, None, None, 0, unknown))
            continue
        lg = math.log10(g.params)
        frac = min(1.0, max(0.0, (lg - lo) / (hi - lo)))
        bars.append(LogBar(g.name, g.year, g.params, lg, max(1, round(frac * width)), _short(g.params, lang)))
    return bars


def _short(n: float, lang: str) -> str:
    # "1.5B" in English; Spanish uses "mil millones" for 10^9 ("billón" is 10^12), so "1.5 mil M"
    # (the course writes decimals with a point in both languages).
    if lang == "es":
        if n >= 1e9:
            text = f"{n / 1e9:.1f}".rstrip("0").rstrip(".")
            return f"{text} mil M"
        return f"{n / 1e6:.0f} M"
    if n >= 1e9:
        return f"{n / 1e9:.1f}".rstrip("0").rstrip(".") + "B"
    return f"{n / 1e6:.0f}M"
