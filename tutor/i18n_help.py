"""`tutor --help` in Spanish: argparse's own words and every option's help, keyed by the English.

The verbs declare their help= in English where they are defined (tutor/cli.py, tutor/engine/cli.py,
tutor/fit/cli.py); tutor.cli.Parser shows these when the command line's language is Spanish. A
test walks every parser so that an option added without its Spanish fails there, not on screen.
"""

from __future__ import annotations

# argparse's section titles and its own options, in the language's words.
ARGPARSE = {
    "es": {
        "usage: ": "uso: ",
        "positional arguments": "argumentos",
        "options": "opciones",
        "show this help message and exit": "muestra esta ayuda y termina",
        "show program's version number and exit": "muestra la versión del programa y termina",
    },
}

HELP: dict[str, dict[str, str]] = {
    "es": {
        # tutor (tutor/cli.py)
        "Fundamentos de LLMs / LLM Fundamentals: a terminal course on how large language models work, "
        "with a live PyTorch engine and a chat with your local model. Run without a command to open the "
        "course where you left off.": (
            "Fundamentos de LLMs / LLM Fundamentals: un curso en la terminal sobre cómo funcionan los grandes "
            "modelos de lenguaje, con un motor PyTorch en vivo y un chat con tu modelo local. Sin orden, abre el "
            "curso donde lo dejaste."
        ),
        "language of the course (default: last used, else the locale)": (
            "idioma del curso (por defecto: el último usado, si no el del sistema)"
        ),
        "do not capture the mouse (keyboard only)": "no capturar el ratón (solo teclado)",
        "print the course and your progress": "imprime el curso y tu progreso",
        "open the app at a lesson (number or id)": "abre la app en una lección (número o id)",
        "take a module quiz in the plain terminal": "haz el quiz de un módulo en la terminal sin app",
        "show, export, import or reset your progress": "muestra, exporta, importa o borra tu progreso",
        "open the app on the chat tab": "abre la app en la pestaña de chat",
        "lesson number (1-15) or id, e.g. 4 or m1-l04-tokenization": (
            "número de lección (1-15) o id, p. ej. 4 o m1-l04-tokenization"
        ),
        "module number (1 or 2) or quiz id": "número de módulo (1 o 2) o id del quiz",
        "write your progress as JSON (- for stdout)": "escribe tu progreso como JSON (- para la salida estándar)",
        "merge progress from a JSON export": "une el progreso de una exportación JSON",
        "forget lessons and quiz attempts (asks first)": "olvida lecciones e intentos de quiz (pregunta antes)",
        "with --reset: do not ask": "con --reset: no preguntar",
        "preselect this model (e.g. llama3.2:3b)": "preselecciona este modelo (p. ej. llama3.2:3b)",
        "Ollama address (default: the saved setting, else OLLAMA_HOST, else 127.0.0.1:11434)": (
            "dirección de Ollama (por defecto: la guardada, si no OLLAMA_HOST, si no 127.0.0.1:11434)"
        ),
        "ollama (default) or an OpenAI-compatible server": "ollama (por defecto) o un servidor compatible con OpenAI",
        "OpenAI-compatible base URL, e.g. http://gpu-box:52415/v1 (exo)": (
            "URL base compatible con OpenAI, p. ej. http://gpu-box:52415/v1 (exo)"
        ),
        # the engine verbs (tutor/engine/cli.py)
        "show how a text splits into tokens": "muestra cómo se parte un texto en tokens",
        "continue a prompt with the course's mini GPT (or GPT-2: --model gpt2)": (
            "continúa un texto con el mini GPT del curso (o GPT-2: --model gpt2)"
        ),
        "train the course's mini GPT on the course text": "entrena el mini GPT del curso con el texto del curso",
        "the engine: model info, course tokenizer": "el motor: datos del modelo, tokenizador del curso",
        "the text to tokenize ('-' reads standard input)": "el texto que tokenizar ('-' lee la entrada estándar)",
        "gpt2 | cl100k_base | o200k_base | course (default: gpt2)": (
            "gpt2 | cl100k_base | o200k_base | course (por defecto: gpt2)"
        ),
        "the text to continue": "el texto que continuar",
        "0 = greedy, at most 10 (default 0.8)": "0 = siempre el más probable, como mucho 10 (por defecto 0.8)",
        "keep the k most likely tokens (0 = all; default 40)": (
            "quedarse con los k tokens más probables (0 = todos; por defecto 40)"
        ),
        "nucleus sampling threshold in (0, 1]": "umbral del muestreo de núcleo, en (0, 1]",
        "new tokens at most, 1 to 10,000 (default 80)": "tokens nuevos como mucho, de 1 a 10.000 (por defecto 80)",
        "same seed, same text (0 to 2^63-1)": "misma semilla, mismo texto (de 0 a 2^63-1)",
        "auto | cpu | cuda | mps": "auto | cpu | cuda | mps",
        "course (default) | gpt2 | gpt2-medium | gpt2-large (after `tutor engine get NAME`)": (
            "course (por defecto) | gpt2 | gpt2-medium | gpt2-large (tras `tutor engine get NOMBRE`)"
        ),
        "a Hugging Face GPT-2 folder: config.json + model.safetensors": (
            "una carpeta GPT-2 de Hugging Face: config.json + model.safetensors"
        ),
        "optimiser steps (default: the shipped recipe's)": "pasos del optimizador (por defecto: los de la receta incluida)",
        "checkpoint path (default: <data dir>/models/course_gpt.pt)": (
            "ruta del checkpoint (por defecto: <carpeta de datos>/models/course_gpt.pt)"
        ),
        "default: the shipped recipe's seed": "por defecto: la semilla de la receta incluida",
        "CPU threads (default 1: reproducible, and fastest on a busy machine)": (
            "hilos de CPU (por defecto 1: reproducible, y lo más rápido en una máquina ocupada)"
        ),
        "save float32 weights (default float16, half the size)": (
            "guarda los pesos en float32 (por defecto float16, la mitad de tamaño)"
        ),
        "the shipped model's config and where its parameters live": (
            "la configuración del modelo incluido y dónde están sus parámetros"
        ),
        "download GPT-2 weights from the Hugging Face hub (asks first)": (
            "descarga los pesos de GPT-2 del hub de Hugging Face (pregunta antes)"
        ),
        "retrain the course tokenizer (BPE) on the course text": (
            "vuelve a entrenar el tokenizador del curso (BPE) con el texto del curso"
        ),
        "write the model as a llama.cpp GGUF file (+ an Ollama Modelfile)": (
            "escribe el modelo como archivo GGUF de llama.cpp (+ un Modelfile de Ollama)"
        ),
        "explain GPT-2 small (124M) instead": "explica GPT-2 small (124M) en su lugar",
        "gpt2 | gpt2-medium | gpt2-large": "gpt2 | gpt2-medium | gpt2-large",
        "do not ask (needed without a terminal)": "no preguntar (necesario sin terminal)",
        "257 to 65,536 (default 3072)": "de 257 a 65.536 (por defecto 3072)",
        "default: <data dir>/models/course_bpe.tiktoken": "por defecto: <carpeta de datos>/models/course_bpe.tiktoken",
        "the file to write; OUT.Modelfile goes beside it": "el archivo que escribir; OUT.Modelfile va a su lado",
        "a checkpoint from `tutor train --out` or lab 12 (default: the shipped model; or --model/--model-path "
        "for GPT-2)": (
            "un checkpoint de `tutor train --out` o del laboratorio 12 (por defecto: el modelo incluido; o "
            "--model/--model-path para GPT-2)"
        ),
        "matrix precision (default f16)": "precisión de las matrices (por defecto f16)",
        "the model's name inside the file": "el nombre del modelo dentro del archivo",
        # tutor fit (tutor/fit/cli.py)
        "check which models fit this machine (before you pull them)": (
            "comprueba qué modelos caben en esta máquina (antes de descargarlos)"
        ),
        "Estimate the memory Ollama will use for your installed models and for popular library models, the "
        "way the running Ollama version computes it, and say whether each runs on the GPU, partly, on the CPU, "
        "or not at all.": (
            "Estima la memoria que usará Ollama para tus modelos instalados y para modelos populares de su "
            "biblioteca, como la calcula la versión de Ollama en marcha, y dice si cada uno funciona en la GPU, "
            "en parte, en la CPU o no carga."
        ),
        "print JSON for scripts": "imprime JSON para scripts",
        "context length to plan for (default: what Ollama would use)": (
            "longitud de contexto prevista (por defecto: la que usaría Ollama)"
        ),
        "only this model (installed or from the catalogue)": "solo este modelo (instalado o del catálogo)",
        "Ollama server (default: OLLAMA_HOST or 127.0.0.1:11434)": "servidor de Ollama (por defecto: OLLAMA_HOST o 127.0.0.1:11434)",
        "what-if: plan for these GPUs instead (e.g. cuda:24GiB, metal:10.67GiB, none); SIZE is the memory free "
        "for models": (
            "supuesto: calcula para estas GPU en su lugar (p. ej. cuda:24GiB, metal:10.67GiB, none); SIZE es "
            "la memoria libre para modelos"
        ),
        "what-if: plan for this much free system memory (e.g. 32GiB)": (
            "supuesto: calcula para esta memoria libre del sistema (p. ej. 32GiB)"
        ),
    },
}


def help_text(text: str | None, lang: str) -> str | None:
    """An English help= / description= (or argparse's own phrase) in `lang`; English as it is."""
    if text is None:
        return None
    return HELP.get(lang, {}).get(text) or ARGPARSE.get(lang, {}).get(text) or text
