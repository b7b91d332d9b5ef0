"""UI strings in both languages, and how the language is chosen.

Lesson text lives in markdown; this catalogue holds only the interface's words. Both languages
must have the same keys (a test checks it). `t("key", lang, **values)` formats one.
"""

from __future__ import annotations

import locale
import os

LANGS = ("es", "en")
DEFAULT_LANG = "en"


def lang_from_locale(environ: dict[str, str] | None = None) -> str:
    """es* locales get Spanish, every other locale English (the issue's rule)."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(var, "")
        if value:
            return "es" if value.lower().startswith("es") else "en"
    if environ is None:
        try:
            code = locale.getlocale()[0] or ""
        except ValueError:
            code = ""
        if code.lower().startswith("es"):
            return "es"
    return DEFAULT_LANG


def choose_lang(flag: str | None, remembered: str | None, environ: dict[str, str] | None = None) -> str:
    """--lang beats the language the learner picked last time, which beats the locale."""
    for candidate in (flag, remembered):
        if candidate in LANGS:
            return candidate
    return lang_from_locale(environ)


def t(key: str, lang: str, **values: object) -> str:
    text = CATALOGUE[lang if lang in CATALOGUE else DEFAULT_LANG][key]
    return text.format(**values) if values else text


# The command line's messages: tutor.cli.main sets the language (--lang, else the remembered one,
# else the locale) before argparse reads the values, so argtypes' checks answer in it too.
_message_lang: str | None = None


def message_lang() -> str:
    return _message_lang or lang_from_locale()


def set_message_lang(lang: str | None) -> str | None:
    """Set the command line's language (None: the locale's); returns the previous setting."""
    global _message_lang
    previous, _message_lang = _message_lang, lang if lang in LANGS else None
    return previous


def say(key: str, **values: object) -> str:
    """A catalogue text in the command line's language."""
    return t(key, message_lang(), **values)


def os_reason(exc: BaseException, lang: str | None = None) -> str:
    """Why an OSError happened, in the command line's language where the catalogue knows it."""
    import errno

    lang = lang or message_lang()
    key = f"os.{errno.errorcode.get(getattr(exc, 'errno', None) or -1)}"
    if key in CATALOGUE.get(lang, {}):
        return t(key, lang)
    return getattr(exc, "strerror", None) or str(exc)  # an error the catalogue does not know


class Said:
    """A message that is a catalogue text (`key` and its `values`), said in either language.

    The engine's and the fit check's errors are Said: `text(lang)` is the message in `lang`, and
    str() is it in message_lang() (the command line's language, or the app's: TutorApp sets it
    when the learner's language is chosen or switched), so every place that shows str(exc) shows
    the learner's language. A value that is itself Said (a reason inside a message) renders in the
    same language; an OSError as os_reason(). An exception that is Said keeps the English text as
    its args (repr, pickling, logs), as before.
    """

    key: str = ""
    values: tuple = ()

    def said(self, key: str, **values: object) -> None:
        self.key, self.values = key, tuple(values.items())

    def text(self, lang: str) -> str:
        shown = {}
        for name, value in self.values:
            if isinstance(value, Said):
                value = value.text(lang)
            elif isinstance(value, OSError):
                value = os_reason(value, lang)
            shown[name] = value
        return t(self.key, lang, **shown)

    def __str__(self) -> str:
        return self.text(message_lang()) if self.key else super().__str__()

    def __reduce__(self):
        # Copied or pickled as it is: an exception's __init__ takes a key, not the English in its args.
        return _rebuilt, (type(self), getattr(self, "args", None), self.__dict__)


def _rebuilt(cls: type, args: tuple | None, state: dict) -> Said:
    said = cls.__new__(cls)
    if args is not None:
        said.args = args
    said.__dict__.update(state)
    return said


class Phrase(Said):
    """A part of a message (a reason, a detail) that is Said too."""

    def __init__(self, key: str, **values: object) -> None:
        self.said(key, **values)

    def __repr__(self) -> str:
        return f"Phrase({self.key!r})"


class Joined(Said):
    """Said parts joined by `sep`, each in the same language."""

    def __init__(self, parts, sep: str = "; ") -> None:
        self.parts, self.sep, self.key = list(parts), sep, "joined"

    def text(self, lang: str) -> str:
        return self.sep.join(part.text(lang) if isinstance(part, Said) else str(part) for part in self.parts)


CATALOGUE: dict[str, dict[str, str]] = {
    "es": {
        "app.title": "tutor · Fundamentos de LLMs",
        "lang.name": "Español",
        "lang.switched": "Idioma: español",
        "key.quit": "Salir",
        "key.open": "Abrir",
        "key.back": "Volver",
        "key.next": "Sig.",
        "key.prev": "Ant.",
        "key.done": "Hecha",
        "key.checks": "Preguntas",
        "key.progress": "Progreso",
        "key.chat": "Chat",
        "key.glossary": "Glosario",
        "key.lang": "English",
        "key.help": "Ayuda",
        "key.lab": "Lab",
        "key.retake": "Repetir fallos",
        "key.review": "Revisar",
        "key.again": "Otra vez",
        "key.resume": "Continuar",
        "overview.heading": "{title}",
        "overview.progress": "Progreso del curso: {done}/{total} lecciones · {percent}%",
        "overview.lesson": "{mark} {number:>2}. {title}  ({minutes}\u2800min)",
        "overview.quiz": "{mark} ★  {title}{best}",
        "overview.best": "  · mejor: {percent}%",
        "overview.resume": "Continúas donde lo dejaste: {title}",
        "overview.hint": "↑↓ para moverte · Enter para abrir",
        "status.not_started": "sin empezar",
        "status.reading": "leyendo",
        "status.done": "hecha",
        "lesson.position": "Lección {number} de {total}",
        "lesson.marked_done": "Lección marcada como hecha ✓",
        "lesson.already_done": "Esta lección ya está hecha ✓",
        "lesson.unmarked_done": "Lección desmarcada: vuelve a «leyendo» (d la marca otra vez)",
        "lesson.first": "Esta es la primera lección.",
        "keyname.space": "espacio",
        "progress.attempt_passed": "aprobado",
        "progress.unfinished": "sin terminar ({answered} de {total} respondidas)",
        "progress.reset.ask": "¿Borrar todo el progreso de lecciones e intentos de quiz? Se guarda una copia.",
        "progress.reset.none": "No se ha borrado nada.",
        "progress.reset.done": "Progreso borrado. La copia del archivo anterior está en {backup}",
        # The plain commands' messages (tutor/cli.py, tutor/progress.py vet_import, tutor/argtypes.py).
        "progress.export.done": "Progreso exportado a {target}",
        "progress.export.cannot_write": "no se puede escribir {target}: {reason}",
        "progress.store_read_only": "el archivo de progreso no se puede escribir esta vez (ver arriba), así que no se ha cambiado nada.",
        "progress.import.no_file": "no existe el archivo: {path}",
        "progress.import.cannot_read": "no se puede leer {path}: {reason}. No se ha cambiado nada.",
        "progress.import.refused": "no se puede importar {path}: {why}. No se ha cambiado nada.",
        "progress.import.nothing_imported": "{reason} No se ha importado nada.",
        "progress.import.skipped": "omitida: {line}",
        "progress.import.skipped_more": "y {n} entradas omitidas más",
        "progress.import.done": "Importado: {lessons} lección(es) actualizada(s), {attempts} intento(s) de quiz añadido(s){rest}",
        "progress.import.rest_none": ".",
        "progress.import.rest_one": "; 1 entrada omitida (ver arriba).",
        "progress.import.rest_many": "; {n} entradas omitidas (ver arriba).",
        "progress.why.not_utf8": "no es texto UTF-8 (no es una exportación)",
        "progress.why.too_deep": "tiene demasiados niveles anidados para ser una exportación",
        "progress.why.too_large": "es más grande que cualquier exportación (50 MB)",
        "progress.why.not_json": "no es JSON válido (línea {line}, columna {column})",
        "progress.why.unexpected": "su contenido no es el de una exportación ({detail})",
        "progress.why.not_export": 'no es una exportación de progreso de tutor (falta "format": "tutor-progress")',
        "progress.why.version": '"version" debe ser un número entero, no {value}',
        "progress.why.newer": "la escribió un tutor más nuevo (exportación versión {version}; este lee la {known}). Actualiza tutor para importarla",
        "progress.why.not_lists": '"lessons" y "attempts" deben ser listas',
        "progress.skip.lesson_entry": "entrada de lección {n}: no es un objeto",
        "progress.skip.lesson": "lección {id}",
        "progress.skip.not_lesson": "{name}: no es una lección de este curso",
        "progress.skip.status": "{name}: estado desconocido {value}",
        "progress.skip.position": "{name}: la posición {value} no está entre 0 y 1",
        "progress.skip.date": "{name}: una fecha no es una marca de tiempo ISO",
        "progress.skip.attempt_entry": "entrada de intento {n}: no es un objeto",
        "progress.skip.attempt": "intento {n} ({quiz}): {problem}",
        "progress.problem.uid": "sin uid válido",
        "progress.problem.kind": "tipo desconocido {value}",
        "progress.problem.not_lesson": "no es una lección de este curso",
        "progress.problem.not_quiz": "no es un quiz de este curso",
        "progress.problem.lang": "el idioma {value} no es ninguno de {langs}",
        "progress.problem.date": "una fecha no es una marca de tiempo ISO",
        "progress.problem.total": "el total {value} no está entre 1 y sus {n} preguntas",
        "progress.problem.score": "la puntuación {value} no está entre 0 y el total {total}",
        "progress.problem.passed": "el campo de aprobado {value} no es true ni false",
        "progress.problem.answers": "sus respuestas no son una lista de como mucho el total",
        "progress.problem.answer_object": "una respuesta no es un objeto",
        "progress.problem.answer_question": "respuesta a {question}, que no es una de sus preguntas (o está repetida)",
        "progress.problem.answer_option": "la respuesta a {question} eligió la opción {value}, que no existe",
        "progress.problem.answer_correct": "respuesta a {question}: correct debe ser true o false",
        "progress.reset.needs_yes": "--reset pregunta antes de borrar; sin terminal, confírmalo con --yes.",
        "progress.kind.quiz": "quiz",
        "progress.kind.retake": "fallos",
        "progress.kind.check": "repaso",
        "progress.reset.no_backup": "no se puede escribir una copia junto a {path} ({reason}); no se ha borrado nada.",
        "progress.reset.failed": "{reason} No se ha borrado nada; la copia está en {backup}.",
        "cli.no_terminal": "{what} necesita una terminal interactiva (stdin y stdout deben ser una TTY). Ejecútalo en una terminal (por SSH: `ssh -t`) o usa `tutor lessons` para imprimir el curso.",
        "cli.what.app": "La app tutor",
        "cli.what.quiz": "`tutor quiz`",
        "cli.unknown_lesson": "lección desconocida {ref}. Lecciones válidas (número o id):",
        "cli.unknown_quiz": "quiz desconocido {ref}. Quizzes válidos: {valid}",
        "cli.interrupted": "interrumpido.",
        "cli.cannot_write_output": "no se puede escribir la salida: {reason}.",
        "cli.cannot_use": "no se puede usar {path}: {reason}.",
        "cli.failed": "{reason}.",
        "cli.recovered": "el archivo de progreso {why} y se ha apartado a {path}; empiezas con un progreso nuevo (no se ha borrado nada).",
        "cli.recovered.damaged": "estaba dañado",
        "cli.recovered.not_ours": "no era un almacén de tutor completo ({reason})",
        "cli.read_only": "solo lectura: {message}",
        "cli.usage": "{prog}: error: {message} (`{prog} --help` muestra las opciones)",
        "argparse.argument": "argumento {name}: {message}",
        "argparse.invalid_choice": "valor no válido: {value} (elige entre {choices})",
        "argparse.required": "faltan estos argumentos: {names}",
        "argparse.unrecognized": "argumentos desconocidos: {args}",
        "argparse.expected_one": "falta su valor",
        "argparse.expected_some": "falta al menos un valor",
        "argparse.not_allowed_with": "no se puede usar junto con {other}",
        "argparse.invalid_value": "valor no válido: {value}",
        "argparse.ambiguous": "opción ambigua: {option} puede ser {matches}",
        "argparse.one_required": "hace falta uno de estos argumentos: {names}",
        # The engine verbs' error lines (tutor/engine/cli.py); the engine's own errors are in tutor/i18n_engine.py.
        "engine.err.unknown_encoding": "codificación desconocida {name}; nombres válidos: {names}",
        "engine.err.empty_prompt": 'el texto de partida está vacío; escribe algo para continuar, p. ej. tutor generate "La atención"',
        "engine.err.not_negative": "{option} debe ser >= 0",
        "engine.err.top_p": "--top-p debe estar en (0, 1]",
        "engine.err.at_least": "{option} debe ser al menos {n}",
        "engine.err.interrupted_train": "interrumpido: no se ha guardado nada",
        "engine.err.unknown_model": "modelo desconocido {name}; se pueden descargar: {names}",
        "engine.note": "nota: {text}",
        "engine.err.download_needs_yes": "esto descarga un archivo grande y pregunta antes; sin terminal, confírmalo con --yes",
        "engine.nothing_downloaded": "No se ha descargado nada.",
        "engine.download_ask": "¿Descargarlo? [s/N] ",
        # The engine verbs' reports (tutor/engine/cli.py; `tutor engine info`'s are in tutor/i18n_engine.py).
        "engine.tokenize.encoding": "codificación: {name} ({n} tokens en su vocabulario)",
        "engine.tokenize.bytes": "bytes {hex}",
        "engine.tokenize.part_of": "(parte de {char})",
        "engine.tokenize.rest_of": "(resto del carácter de arriba)",
        "engine.tokenize.counts": "tokens: {tokens}   palabras: {words}   estimación palabras x 1,3: {estimate}",
        "engine.train.progress": "paso {step} [{bar}] {percent} pérdida {loss}{val} lr {lr} {speed} tok/s {elapsed} transcurrido, quedan {left}",
        "engine.train.sample": "muestra: {text}",
        "engine.train.cpu_thread": "cpu ({n} hilo)",
        "engine.train.cpu_threads": "cpu ({n} hilos)",
        "engine.train.start": "entrenando el mini GPT del curso en {where} -> {out}",
        "engine.train.saved": "guardado {out} ({mb} MB). Pérdida con texto reservado {loss} nats/token frente a {unigram} de una línea base de unigramas.",
        "engine.get.cached": "{name} ya está descargado: {path}",
        "engine.get.size": "{name} ({repo}, {parameters} parámetros): {size} por descargar en {folder}",
        "engine.get.saved": "verificado y guardado: {folder}",
        "engine.get.try": 'prueba: tutor generate "The meaning of life is" --model {name} --temperature 0',
        "engine.bpe.done": "entrenadas {merges} fusiones ({tokens} tokens con <|endoftext|>) -> {path}",
        "engine.export.done": "exportado {label}: {parameters} parámetros, {tensors} tensores, {dtype} -> {path} ({mb} MB, sha256 {sha})",
        "engine.export.modelfile": "Modelfile -> {path}",
        "engine.export.ollama": "En Ollama:  ollama create {name} -f {path}",
        "engine.export.ollama_run": '           ollama run {name} "La atención"',
        "engine.err.interrupted_download": "interrumpido: lo que llegó se conserva; repite la misma orden para continuar",
        "engine.err.vocab_size": "--vocab-size debe ser al menos 257 (256 bytes + <|endoftext|>)",
        "engine.err.no_gguf": "para exportar hace falta el paquete gguf ({detail}); pip install gguf",
        "engine.err.gguf_folder": "--gguf nombra una carpeta ({out}); da un nombre de archivo como {example}",
        "engine.err.not_both": "da --checkpoint o --model/--model-path, no ambos",
        "engine.err.cannot_read": "no se puede leer {path}: {detail}",
        "engine.err.cannot_export": "no se puede exportar como gpt2 de llama.cpp: {detail}",
        "engine.err.cannot_write": "no se puede escribir {path}: {detail}",
        # `tutor fit`'s error lines (tutor/fit/cli.py, units.py, hardware.py, report.py); its report's are in tutor/i18n_engine.py.
        "fit.err.empty_size": "tamaño vacío",
        "fit.err.size_negative": "el tamaño debe ser positivo: {text} (prueba 24GiB, 10.67GiB, 8GB o 512MiB)",
        "fit.err.not_size": "no es un tamaño: {text} (prueba 24GiB, 10.67GiB, 8GB o 512MiB)",
        "fit.err.unit": "unidad desconocida {unit} en {text} (usa B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)",
        "fit.err.size_positive": "el tamaño debe ser positivo: {text}",
        "fit.err.empty_gpu": "valor de --gpu vacío (usa p. ej. cuda:24GiB, metal:10.67GiB o none)",
        "fit.err.gpu_item": "el elemento {item} de --gpu necesita TIPO:TAMAÑO, p. ej. cuda:24GiB",
        "fit.err.gpu_kind": "tipo de GPU desconocido {kind} (usa uno de: {kinds}, o none)",
        "fit.err.option": "{option}: {detail}",
        "fit.err.metal": "metal es una sola GPU unificada: da un único metal:TAMAÑO",
        "fit.err.unknown_model": "{model} no está instalado ni en el catálogo (`tutor fit` muestra la lista)",
        "fit.err.unknown_model_offline": "{model} no está instalado (Ollama no responde) ni en el catálogo (`tutor fit` muestra la lista)",
        "fit.err.ctx": "--ctx debe ser un número entero positivo de tokens (p. ej. 8192 u 8k), no {text}",
        "arg.not_number": "{value} no es un número",
        "arg.not_finite": "{value} no es un número finito",
        "arg.not_in": "{value} no está en {left}{low}, {high}]",
        "arg.not_whole": "{value} no es un número entero",
        "arg.not_between": "{value} no está entre {low} y {high}",
        "arg.empty_path": "la ruta está vacía",
        "arg.bad_path": "{value} no es una ruta válida",
        "arg.is_folder": "{path} es una carpeta; da un nombre de archivo dentro de ella",
        "arg.not_writable": "{path} existe y no se puede escribir (permisos)",
        "arg.parent_not_folder": "{folder} no es una carpeta, así que no se puede escribir {path}",
        "arg.cannot_write_in": "no se puede escribir en {folder} (permisos o un lugar de solo lectura)",
        "arg.os": "{value}: {reason}",
        # The store's messages on the command line (tutor/store.py StoreError, ReadOnly.text).
        "store.cli.folder_create": "No se puede crear la carpeta {folder} ({reason}). El progreso no se guardará; pon en TUTOR_HOME una carpeta en la que puedas escribir.",
        "store.cli.side_files": "Otro usuario (¿un `sudo tutor`?) dejó {side} en {folder}, que no puedes escribir; el progreso no se guardará. Recupera esos archivos (sudo chown $USER {path}*) y vuelve a abrir tutor.",
        "store.cli.file_perm": "No se puede escribir el archivo de progreso {path} (permisos); el progreso no se guardará. Corrige sus permisos (chmod u+w) o pon en TUTOR_HOME otra carpeta.",
        "store.cli.folder_perm": "No se puede escribir en la carpeta {folder}, que guarda el archivo de progreso (permisos); el progreso no se guardará. Corrige sus permisos o pon en TUTOR_HOME una carpeta en la que puedas escribir.",
        "store.cli.folder_perm_new": "No se puede escribir en la carpeta {folder}, que debe guardar el archivo de progreso (permisos); el progreso no se guardará. Corrige sus permisos o pon en TUTOR_HOME una carpeta en la que puedas escribir.",
        "store.cli.file_cannot": "No se puede escribir el archivo de progreso {path} ({reason}). El progreso no se guardará.",
        "store.cli.damaged_stuck": "El archivo de progreso {path} está dañado y no se puede apartar ({reason}). El progreso no se guardará; apártalo tú o pon en TUTOR_HOME otra carpeta.",
        "store.cli.damaged_afresh": "El archivo de progreso {path} está dañado o no es de tutor, y no se puede apartar, así que empiezas de cero. {message}",
        "store.cli.stopped": "El archivo de progreso {path} dejó de aceptar escrituras ({reason}); desde ahora el progreso no se guarda.",
        "store.cli.is_folder": "El archivo de progreso {path} es una carpeta. Apártala o pon en TUTOR_HOME otra carpeta.",
        "store.cli.no_read": "No se puede leer ni escribir el archivo de progreso {path} (permisos). Corrige sus permisos o pon en TUTOR_HOME otra carpeta.",
        "store.cli.busy": "El archivo de progreso {path} está ocupado (otro tutor escribe en él). Inténtalo de nuevo en un momento; no se ha cambiado nada.",
        "store.cli.newer": "El archivo de progreso {path} lo escribió un tutor más nuevo (esquema {version}; este conoce el {known}). Actualiza tutor; el archivo no se ha tocado.",
        "store.cli.not_ours": "es un archivo SQLite con esquema versión {version}, pero le faltan las tablas {tables}",
        # Why a file operation failed (errno names), for os_reason().
        "os.ENOENT": "no existe",
        "os.EACCES": "permiso denegado",
        "os.EPERM": "operación no permitida",
        "os.EISDIR": "es una carpeta",
        "os.ENOTDIR": "una parte de la ruta no es una carpeta",
        "os.ENOSPC": "no queda espacio en el disco",
        "os.EDQUOT": "se ha superado la cuota de disco",
        "os.EROFS": "el sistema de archivos es de solo lectura",
        "os.EIO": "error de entrada/salida",
        "os.EFBIG": "el archivo es demasiado grande",
        "os.ENAMETOOLONG": "el nombre es demasiado largo",
        "os.ELOOP": "hay demasiados enlaces simbólicos",
        "lesson.lab_kept": "El laboratorio sigue trabajando: vuelve a la lección {number} para verlo.",
        "lesson.last": "Es la última lección: ¡ahora el quiz del módulo!",
        "lesson.no_checks": "Esta lección no tiene preguntas de repaso.",
        "lesson.lab_soon": "El laboratorio de esta lección aún no está disponible en esta versión.",
        "quiz.checks_title": "Repaso: {title}",
        "quiz.question": "Pregunta {n} de {total}",
        "quiz.choose": "Elige con ↑↓ y Enter, o pulsa 1-4.",
        "quiz.correct": "✓ ¡Correcto!",
        "quiz.wrong": "✗ No es correcto. La respuesta era: {answer}",
        "quiz.continue": "Pulsa Enter para seguir.",
        "quiz.score": "Resultado: {score}/{total} ({percent}%)",
        "quiz.passed": "¡Aprobado! La nota para aprobar es {mark}%.",
        "quiz.failed": "Aún no: la nota para aprobar es {mark}%. Repasa los fallos y vuelve a intentarlo.",
        "quiz.perfect": "Sin fallos. ¡Excelente!",
        "quiz.review_heading": "Tus fallos",
        "quiz.your_answer": "Tu respuesta: {answer}",
        "quiz.right_answer": "Correcta: {answer}",
        "quiz.lesson_ref": "Lección: {title}",
        "quiz.saved": "Intento guardado.",
        "quiz.keys_end": "r: repetir solo los fallos · a: quiz nuevo · Esc: volver",
        "quiz.keys_end_perfect": "a: quiz nuevo · Esc: volver",
        "progress.title": "Tu progreso",
        "progress.lessons": "Lecciones hechas: {done}/{total} ({percent}%)",
        "progress.col.lesson": "Lección",
        "progress.col.status": "Estado",
        "progress.col.quiz": "Quiz",
        "progress.col.attempts": "Intentos",
        "progress.col.best": "Mejor",
        "progress.col.last": "Último",
        "progress.none": "—",
        "chat.title": "Chat con tu modelo local",
        "chat.you": "Tú",
        "chat.assistant": "Asistente",
        "chat.untitled": "Chat sin título",
        "chat.thinking": "Razonamiento",
        "chat.stopped_mark": "⏹ detenida por ti",
        "chat.incomplete_mark": "⚠ respuesta incompleta",
        "chat.empty_answer": "⚠ el modelo terminó sin escribir nada",
        "chat.log.earlier_text": "⋯ {n} KB anteriores de esta respuesta: sube o haz clic para verlos",
        "chat.log.earlier_messages": "⋯ {n} mensajes anteriores: sube o haz clic para verlos",
        "chat.waiting_short": "esperando al modelo…",
        "chat.empty": "Pregunta lo que quieras sobre LLMs. Enter envía · Ctrl+J nueva línea · F2 modelos · F3 historial · F4 ajustes.",
        "chat.empty_lesson": "Modo tutor: el modelo sabe que estás en «{title}». Enter envía · Ctrl+J nueva línea · F2 modelos · F4 ajustes.",
        "chat.input_placeholder": "Escribe tu pregunta · Enter envía · Ctrl+J o Alt+Enter: nueva línea",
        "chat.key.escape": "Parar/Volver",
        "chat.key.models": "Modelos",
        "chat.key.history": "Historial",
        "chat.key.settings": "Ajustes",
        "chat.key.plain": "Texto plano",
        "chat.key.copy": "Copiar",
        "chat.bar.connecting": "conectando…",
        "chat.bar.no_model": "sin modelo (F2)",
        "chat.bar.ctx": "ctx {used}/{window}",
        "chat.bar.ctx_max": "(máx. {n})",
        "chat.state.idle": "F6 tokens · F8 copiar · F9 código · Ctrl+T razonamiento · Ctrl+N nuevo · F12 English",
        "chat.state.waiting": "⏳ Esperando el primer token… {seconds} s · Esc para parar",
        "chat.state.streaming": "✍ Respondiendo… · Esc para parar (se conserva lo recibido)",
        "chat.stats.prompt": "{n} tokens de entrada",
        "chat.stats.output": "{n} de salida",
        "chat.stats.speed": "{v} tokens/s",
        "chat.stats.load": "carga {v} s",
        "chat.busy": "El modelo aún está respondiendo: espera o pulsa Esc para pararlo.",
        "chat.too_long": "Tu mensaje tiene {n} caracteres; el máximo es {limit}. Acórtalo.",
        "chat.not_connected": "No hay conexión con el servidor del modelo. Reintentando…",
        "chat.no_model": "Elige primero un modelo.",
        "chat.stopped": "Respuesta detenida; lo recibido se ha guardado.",
        "chat.settings_saved": "Ajustes guardados.",
        "chat.copied_answer": "Copiados {n} caracteres al portapapeles (OSC 52).",
        "chat.copied_code": "Copiado el bloque de código ({n} caracteres, OSC 52).",
        "chat.no_code": "No hay ningún bloque de código en las respuestas.",
        "chat.nothing_to_copy": "Aún no hay ninguna respuesta que copiar.",
        "chat.copy_too_long": "Es demasiado largo para copiarlo por OSC 52; usa la vista de texto plano (F5).",
        "chat.thinking_shown": "Razonamiento visible.",
        "chat.thinking_hidden": "Razonamiento oculto.",
        "chat.fit_numbers": "Comprobación de memoria: {text}",
        "chat.panel.retry": "Ctrl+R reintenta · F4 cambia el servidor.",
        "chat.panel.no_models": "Ollama responde, pero no tiene ningún modelo instalado. Pulsa F2: verás los que caben en esta máquina y podrás descargar uno.",
        "chat.panel.no_models_openai": "El servidor no ofrece ningún modelo en /v1/models. Revisa su configuración.",
        "chat.verdict.gpu": "cabe en la GPU",
        "chat.verdict.partial": "GPU + CPU",
        "chat.verdict.cpu": "solo CPU",
        "chat.verdict.will_not_load": "no cargará",
        "chat.verdict.unknown": "sin veredicto",
        "chat.err.generic": "Error inesperado: {detail}",
        "chat.err.unreachable": "Ollama no responde en {url} ({reason}).\n• ¿No está instalado? Descárgalo de https://ollama.com/download\n• ¿Instalado pero parado? Arráncalo con: ollama serve\n• ¿Está en otra máquina (p. ej. una GPU por SSH)? Usa OLLAMA_HOST=máquina:puerto o redirige el puerto: ssh -L 11434:localhost:11434 tú@máquina-gpu",
        "chat.err.unreachable_openai": "Nada responde en {url} ({reason}). ¿Está arrancado el servidor (exo, llama.cpp, LM Studio…) y es correcta la URL base? Cámbiala en ajustes (F4) o con --base-url.",
        "chat.err.not_found": "El modelo {model} no está instalado en este Ollama. Pulsa F2 para descargarlo o elegir otro.",
        "chat.err.not_found_openai": "El servidor no conoce el modelo {model} ({detail}). Pulsa F2 para elegir uno de los suyos.",
        "chat.err.too_large": "No se pudo cargar {model}: no hay memoria suficiente ({detail}).\nPrueba un modelo más pequeño (F2 muestra cuáles caben) o un contexto más corto (F4).",
        "chat.err.midstream": "El servidor informó de un error a mitad de la respuesta: {detail}. Se conserva lo recibido.",
        "chat.err.cut": "La conexión se cerró antes de terminar la respuesta ({detail}). Se conserva lo recibido; vuelve a preguntar para reintentar.",
        "chat.err.timeout": "Sin respuesta en {seconds} s. El servidor puede estar ocupado o atascado cargando el modelo.",
        "chat.err.http": "Error del servidor ({status}): {body}",
        "chat.err.not_compatible": "{url} no se comporta como un servidor {api}: {detail}. Revisa la dirección y el tipo de servidor (F4).",
        "chat.err.no_pull": "Este servidor no puede descargar modelos; usa sus propias herramientas.",
        "chat.err.pull": "No se pudo descargar {model}: {detail}",
        "chat.err.create": "Ollama no pudo crear {model}: {detail}",
        "chat.err.create_old": "El Ollama de {url} es anterior a la versión 0.5.5 y no crea modelos a partir de archivos subidos ({detail}). Actualízalo, o en esa máquina ejecuta: {command}",
        "chat.err.blob": "Ollama rechazó el archivo {digest}…: {detail}",
        "chat.pull.no_such_model": "ese modelo no existe en la biblioteca de Ollama (revisa el nombre en ollama.com/library)",
        "chat.picker.title": "Modelos · {backend} {url}",
        "chat.picker.loading": "Buscando los modelos instalados…",
        "chat.picker.none_installed": "No hay modelos instalados. Elige uno de los recomendados o escribe su nombre abajo.",
        "chat.picker.fit_pending": "Comprobando cuáles caben en esta máquina…",
        "chat.picker.fit_ready": "Veredicto: ✓ cabe en la GPU · ◐ GPU + CPU · ○ solo CPU · ✗ no cargará.",
        "chat.picker.fit_unavailable": "No se pudo comprobar qué modelos caben en esta máquina (sin veredicto).",
        "chat.picker.recommended": "Recomendados para descargar (los que mejor caben, primero):",
        "chat.picker.pull_placeholder": "Nombre de un modelo para descargar (p. ej. qwen3:4b) y Enter",
        "chat.picker.keys": "Enter: usar o descargar · Tab: escribir un nombre · Esc: cerrar o parar la descarga",
        "chat.picker.keys_no_pull": "Enter: usar · Esc: cerrar (este servidor no descarga modelos)",
        "chat.pull.stalled": "{model}: no llega nada desde hace {n} s. Esc para la descarga; volver a pedirla la reanuda.",
        "chat.pull.busy": "Ya hay una descarga en curso.",
        "chat.pull.checking": "Comprobando si {model} cabe en esta máquina…",
        "chat.pull.refused": "No descargo {model}: no cargará en esta máquina. {reason}",
        "chat.pull.started": "Descargando {model}…",
        "chat.pull.fit_unknown": "(no sé si cabe en esta máquina)",
        "chat.pull.progress": "{model}: {status}",
        "chat.pull.done": "{model} descargado y listo.",
        "chat.pull.cancelled": "Descarga de {model} detenida. Vuelve a pedirla para continuar donde se quedó.",
        "chat.history.title": "Historial de chats",
        "chat.history.keys": "Enter: abrir · r: renombrar · d: borrar · x: exportar a markdown · n: chat nuevo · Esc: cerrar",
        "chat.history.count": "{n} mensajes",
        "chat.history.empty": "Todavía no hay chats guardados.",
        "chat.history.rename_placeholder": "Nuevo título y Enter (Esc cancela)",
        "chat.history.renamed": "Chat renombrado.",
        "chat.history.confirm_delete": "Pulsa d otra vez para borrar este chat (no se puede deshacer).",
        "chat.history.deleted": "Chat borrado.",
        "chat.history.exported": "Exportado a {path}",
        "chat.history.export_failed": "No se pudo exportar: {error}",
        "chat.export.model": "Modelo",
        "chat.export.started": "Empezado",
        "chat.export.system": "Instrucciones de sistema",
        "chat.export.tokens": "{n} tokens",
        "chat.logprobs.old_ollama": "Probabilidades de cada token: necesitan Ollama {needed} o más reciente; este es {version}. Actualízalo (https://ollama.com/download) y vuelve a preguntar.",
        "chat.logprobs.none_ollama": "Este Ollama no ha enviado probabilidades (log-probabilities); hacen falta Ollama {needed} o más reciente.",
        "chat.logprobs.none_openai": "Este servidor compatible con OpenAI no envía probabilidades (logprobs / top_logprobs). llama.cpp (llama-server) y vLLM sí las envían.",
        "chat.logprobs.not_saved": "Esta respuesta se guardó sin probabilidades (de antes de pedirlas, o de un servidor que no las envía).",
        "chat.logprobs.no_model": "El chat aún no tiene modelo en {url}. Abre el chat (c), elige uno con F2 y vuelve.",
        "chat.key.tokens": "Tokens",
        "chat.tokens.title": "Tokens y probabilidades",
        "chat.tokens.answer": "Respuesta {n} de {total}",
        "chat.tokens.legend": "normal ≥50 % · subrayado 10–50 % · invertido <10 %",
        "chat.tokens.cursor": "Token {i} de {n}: «{token}» tenía un {p} de probabilidad. Alternativas del modelo en ese punto:",
        "chat.tokens.chosen": "◀ elegido",
        "chat.tokens.help": "←/→ token · ↑/↓ 10 tokens · Inicio/Fin · RePág/AvPág otra respuesta · F6 o Esc vuelve. Son las probabilidades del propio modelo, antes de aplicar la temperatura.",
        "chat.tokens.no_answers": "Este chat aún no tiene respuestas. Pregunta algo y vuelve con F6.",
        "chat.settings.title": "Ajustes del chat",
        "chat.settings.keys": "Tab pasa de un campo a otro · Ctrl+S guarda · Esc cancela",
        "chat.settings.system_prompt": "Instrucciones de sistema (system prompt)",
        "chat.settings.tutor_prompt": "Volver al prompt del tutor",
        "chat.settings.temperature": "Temperatura (0–2)",
        "chat.settings.num_ctx": "Longitud de contexto",
        "chat.settings.num_ctx_default": "la del servidor",
        "chat.settings.think": "Pedir razonamiento a los modelos que razonan",
        "chat.settings.backend": "Servidor",
        "chat.settings.openai": "Compatible con OpenAI (exo, llama.cpp, LM Studio)",
        "chat.settings.host": "Dirección de Ollama (OLLAMA_HOST)",
        "chat.settings.base_url": "URL base compatible con OpenAI",
        "chat.settings.save": "Guardar",
        "chat.settings.cancel": "Cancelar",
        "chat.settings.bad_temperature": "La temperatura debe ser un número entre 0 y 2.",
        "chat.settings.bad_num_ctx": "La longitud de contexto debe ser un entero de al menos 256 (o vacía).",
        "chat.plain.help": "Texto plano: selecciona con Mayús+flechas o con el ratón; Ctrl+C copia la selección y F8 todo (OSC 52). Para seleccionar con tu terminal, mantén Mayús (Opción en macOS) al arrastrar. Esc vuelve.",
        "glossary.title": "Glosario",
        "glossary.filter": "Buscar un término (Esc: salir de la búsqueda)",
        "glossary.count": "{shown} de {total} términos",
        "glossary.none": "Ningún término dice eso. Esc borra la búsqueda.",
        "key.find": "Buscar",
        "too_small": "La terminal es demasiado pequeña: necesito al menos {need_w}×{need_h}, hay {w}×{h}.",
        "store.recovered": (
            "El archivo de progreso estaba dañado y se ha apartado a {path}. Empiezas con un progreso nuevo; "
            "el archivo original no se ha borrado."
        ),
        # The store runs read-only (tutor/store.py ReadOnly.kind): the lessons open, nothing is saved.
        "store.read_only.folder": (
            "No se puede escribir en la carpeta {folder}: las lecciones se abren, pero tu progreso de esta "
            "sesión no se guardará. Corrige sus permisos o usa TUTOR_HOME."
        ),
        "store.read_only.file": (
            "No se puede escribir el archivo de progreso {path}: las lecciones se abren, pero tu progreso de "
            "esta sesión no se guardará. Corrige sus permisos."
        ),
        "store.read_only.side_files": (
            "Otro usuario (¿un `sudo tutor`?) dejó archivos {path}-wal/-shm que no puedes escribir: las lecciones "
            "se abren, pero tu progreso no se guardará. Arréglalo con: sudo chown $USER {path}*"
        ),
        "store.read_only.damaged": (
            "El archivo de progreso {path} está dañado y no se puede apartar: empiezas de cero y nada de esta "
            "sesión se guardará. Muévelo tú o usa TUTOR_HOME."
        ),
        "help.title": "Ayuda",
    },
    "en": {
        "app.title": "tutor · LLM Fundamentals",
        "lang.name": "English",
        "lang.switched": "Language: English",
        "key.quit": "Quit",
        "key.open": "Open",
        "key.back": "Back",
        "key.next": "Next",
        "key.prev": "Previous",
        "key.done": "Done",
        "key.checks": "Questions",
        "key.progress": "Progress",
        "key.chat": "Chat",
        "key.glossary": "Glossary",
        "key.lang": "Español",
        "key.help": "Help",
        "key.lab": "Lab",
        "key.retake": "Retake misses",
        "key.review": "Review",
        "key.again": "Again",
        "key.resume": "Resume",
        "overview.heading": "{title}",
        "overview.progress": "Course progress: {done}/{total} lessons · {percent}%",
        "overview.lesson": "{mark} {number:>2}. {title}  ({minutes}\u2800min)",
        "overview.quiz": "{mark} ★  {title}{best}",
        "overview.best": "  · best: {percent}%",
        "overview.resume": "Picking up where you left off: {title}",
        "overview.hint": "↑↓ to move · Enter to open",
        "status.not_started": "not started",
        "status.reading": "reading",
        "status.done": "done",
        "lesson.position": "Lesson {number} of {total}",
        "lesson.marked_done": "Lesson marked as done ✓",
        "lesson.already_done": "This lesson is already done ✓",
        "lesson.unmarked_done": "Lesson unmarked: back to 'reading' (d marks it again)",
        "lesson.first": "This is the first lesson.",
        "keyname.space": "space",
        "progress.attempt_passed": "passed",
        "progress.unfinished": "unfinished ({answered} of {total} answered)",
        "progress.reset.ask": "Reset all lesson progress and quiz attempts? A backup is kept.",
        "progress.reset.none": "Nothing was reset.",
        "progress.reset.done": "Progress reset. A backup of the previous file is at {backup}",
        # The plain commands' messages (tutor/cli.py, tutor/progress.py vet_import, tutor/argtypes.py).
        "progress.export.done": "Progress exported to {target}",
        "progress.export.cannot_write": "cannot write {target}: {reason}",
        "progress.store_read_only": "the progress file cannot be written this time (see above), so nothing was changed.",
        "progress.import.no_file": "no such file: {path}",
        "progress.import.cannot_read": "cannot read {path}: {reason}. Nothing was changed.",
        "progress.import.refused": "cannot import {path}: {why}. Nothing was changed.",
        "progress.import.nothing_imported": "{reason} Nothing was imported.",
        "progress.import.skipped": "skipped {line}",
        "progress.import.skipped_more": "skipped {n} more entries",
        "progress.import.done": "Imported: {lessons} lesson(s) updated, {attempts} quiz attempt(s) added{rest}",
        "progress.import.rest_none": ".",
        "progress.import.rest_one": "; 1 entry skipped (see above).",
        "progress.import.rest_many": "; {n} entries skipped (see above).",
        "progress.why.not_utf8": "it is not UTF-8 text (not an export)",
        "progress.why.too_deep": "it nests too deeply to be an export",
        "progress.why.too_large": "it is larger than any export (50 MB)",
        "progress.why.not_json": "it is not valid JSON (line {line}, column {column})",
        "progress.why.unexpected": "its content is not what an export holds ({detail})",
        "progress.why.not_export": 'not a tutor progress export (no "format": "tutor-progress")',
        "progress.why.version": '"version" must be a whole number, not {value}',
        "progress.why.newer": "it was written by a newer tutor (export version {version}; this one reads {known}). Upgrade tutor to import it",
        "progress.why.not_lists": '"lessons" and "attempts" must be lists',
        "progress.skip.lesson_entry": "lesson entry {n}: not an object",
        "progress.skip.lesson": "lesson {id}",
        "progress.skip.not_lesson": "{name}: not a lesson of this course",
        "progress.skip.status": "{name}: unknown status {value}",
        "progress.skip.position": "{name}: position {value} is not between 0 and 1",
        "progress.skip.date": "{name}: a date is not an ISO timestamp",
        "progress.skip.attempt_entry": "attempt entry {n}: not an object",
        "progress.skip.attempt": "attempt {n} ({quiz}): {problem}",
        "progress.problem.uid": "no valid uid",
        "progress.problem.kind": "unknown kind {value}",
        "progress.problem.not_lesson": "not a lesson of this course",
        "progress.problem.not_quiz": "not a quiz of this course",
        "progress.problem.lang": "language {value} is not one of {langs}",
        "progress.problem.date": "a date is not an ISO timestamp",
        "progress.problem.total": "total {value} is not between 1 and the {n} questions it has",
        "progress.problem.score": "score {value} is not between 0 and the total {total}",
        "progress.problem.passed": "passed {value} is not true or false",
        "progress.problem.answers": "its answers are not a list of at most the total",
        "progress.problem.answer_object": "an answer is not an object",
        "progress.problem.answer_question": "answer to {question}, which is not a question of it (or given twice)",
        "progress.problem.answer_option": "answer to {question} chose option {value}, which it does not have",
        "progress.problem.answer_correct": "answer to {question}: correct must be true or false",
        "progress.reset.needs_yes": "--reset asks before deleting; without a terminal, confirm with --yes.",
        "progress.kind.quiz": "quiz",
        "progress.kind.retake": "retake",
        "progress.kind.check": "check",
        "progress.reset.no_backup": "cannot write a backup next to {path} ({reason}); nothing was reset.",
        "progress.reset.failed": "{reason} Nothing was reset; the backup is at {backup}.",
        "cli.no_terminal": "{what} needs an interactive terminal (stdin and stdout must be a TTY). Run it in a terminal (over SSH: `ssh -t`), or use `tutor lessons` to print the course.",
        "cli.what.app": "The tutor app",
        "cli.what.quiz": "`tutor quiz`",
        "cli.unknown_lesson": "unknown lesson {ref}. Valid lessons (number or id):",
        "cli.unknown_quiz": "unknown quiz {ref}. Valid quizzes: {valid}",
        "cli.interrupted": "interrupted.",
        "cli.cannot_write_output": "cannot write the output: {reason}.",
        "cli.cannot_use": "cannot use {path}: {reason}.",
        "cli.failed": "{reason}.",
        "cli.recovered": "the progress file {why} and has been moved aside to {path}; starting with fresh progress (nothing was deleted).",
        "cli.recovered.damaged": "was damaged",
        "cli.recovered.not_ours": "was not a whole tutor store ({reason})",
        "cli.read_only": "read-only: {message}",
        "cli.usage": "{prog}: error: {message} (`{prog} --help` lists the options)",
        "argparse.argument": "argument {name}: {message}",
        "argparse.invalid_choice": "invalid choice: {value} (choose from {choices})",
        "argparse.required": "the following arguments are required: {names}",
        "argparse.unrecognized": "unrecognized arguments: {args}",
        "argparse.expected_one": "expected one argument",
        "argparse.expected_some": "expected at least one argument",
        "argparse.not_allowed_with": "not allowed with argument {other}",
        "argparse.invalid_value": "invalid {type} value: {value}",
        "argparse.ambiguous": "ambiguous option: {option} could match {matches}",
        "argparse.one_required": "one of the arguments {names} is required",
        # The engine verbs' error lines (tutor/engine/cli.py); the engine's own errors are in tutor/i18n_engine.py.
        "engine.err.unknown_encoding": "unknown encoding {name}; valid names: {names}",
        "engine.err.empty_prompt": 'the prompt is empty; give some text to continue, e.g. tutor generate "La atención"',
        "engine.err.not_negative": "{option} must be >= 0",
        "engine.err.top_p": "--top-p must be in (0, 1]",
        "engine.err.at_least": "{option} must be at least {n}",
        "engine.err.interrupted_train": "interrupted: nothing saved",
        "engine.err.unknown_model": "unknown model {name}; downloadable: {names}",
        "engine.note": "note: {text}",
        "engine.err.download_needs_yes": "this downloads a large file and asks first; without a terminal, confirm with --yes",
        "engine.nothing_downloaded": "Nothing was downloaded.",
        "engine.download_ask": "Download it? [y/N] ",
        # The engine verbs' reports (tutor/engine/cli.py; `tutor engine info`'s are in tutor/i18n_engine.py).
        "engine.tokenize.encoding": "encoding: {name} ({n} tokens in its vocabulary)",
        "engine.tokenize.bytes": "bytes {hex}",
        "engine.tokenize.part_of": "(part of {char})",
        "engine.tokenize.rest_of": "(rest of the character above)",
        "engine.tokenize.counts": "tokens: {tokens}   words: {words}   words x 1.3 estimate: {estimate}",
        "engine.train.progress": "step {step} [{bar}] {percent} loss {loss}{val} lr {lr} {speed} tok/s {elapsed} elapsed, {left} left",
        "engine.train.sample": "sample: {text}",
        "engine.train.cpu_thread": "cpu ({n} thread)",
        "engine.train.cpu_threads": "cpu ({n} threads)",
        "engine.train.start": "training the course mini GPT on {where} -> {out}",
        "engine.train.saved": "saved {out} ({mb} MB). Held-out loss {loss} nats/token vs {unigram} for a unigram baseline.",
        "engine.get.cached": "{name} is already downloaded: {path}",
        "engine.get.size": "{name} ({repo}, {parameters} parameters): {size} to download into {folder}",
        "engine.get.saved": "verified and saved: {folder}",
        "engine.get.try": 'try: tutor generate "The meaning of life is" --model {name} --temperature 0',
        "engine.bpe.done": "trained {merges} merges ({tokens} tokens with <|endoftext|>) -> {path}",
        "engine.export.done": "exported {label}: {parameters} parameters, {tensors} tensors, {dtype} -> {path} ({mb} MB, sha256 {sha})",
        "engine.export.modelfile": "Modelfile -> {path}",
        "engine.export.ollama": "In Ollama:  ollama create {name} -f {path}",
        "engine.export.ollama_run": '           ollama run {name} "La atención"',
        "engine.err.interrupted_download": "interrupted: what arrived is kept; run the same command to resume",
        "engine.err.vocab_size": "--vocab-size must be at least 257 (256 bytes + <|endoftext|>)",
        "engine.err.no_gguf": "exporting needs the gguf package ({detail}); pip install gguf",
        "engine.err.gguf_folder": "--gguf names a folder ({out}); give a file name such as {example}",
        "engine.err.not_both": "give --checkpoint or --model/--model-path, not both",
        "engine.err.cannot_read": "cannot read {path}: {detail}",
        "engine.err.cannot_export": "cannot export as llama.cpp gpt2: {detail}",
        "engine.err.cannot_write": "cannot write {path}: {detail}",
        # `tutor fit`'s error lines (tutor/fit/cli.py, units.py, hardware.py, report.py); its report's are in tutor/i18n_engine.py.
        "fit.err.empty_size": "empty size",
        "fit.err.size_negative": "size must be positive: {text} (try 24GiB, 10.67GiB, 8GB or 512MiB)",
        "fit.err.not_size": "not a size: {text} (try 24GiB, 10.67GiB, 8GB or 512MiB)",
        "fit.err.unit": "unknown unit {unit} in {text} (use B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)",
        "fit.err.size_positive": "size must be positive: {text}",
        "fit.err.empty_gpu": "empty --gpu value (use e.g. cuda:24GiB, metal:10.67GiB or none)",
        "fit.err.gpu_item": "--gpu item {item} needs KIND:SIZE, e.g. cuda:24GiB",
        "fit.err.gpu_kind": "unknown GPU kind {kind} (use one of: {kinds}, or none)",
        "fit.err.option": "{option}: {detail}",
        "fit.err.metal": "metal is one unified GPU: give a single metal:SIZE",
        "fit.err.unknown_model": "{model} is not installed and not in the catalogue (see `tutor fit` for the list)",
        "fit.err.unknown_model_offline": "{model} is not installed (Ollama not reachable) and not in the catalogue (see `tutor fit` for the list)",
        "fit.err.ctx": "--ctx must be a positive whole number of tokens (e.g. 8192 or 8k), not {text}",
        "arg.not_number": "{value} is not a number",
        "arg.not_finite": "{value} is not a finite number",
        "arg.not_in": "{value} is not in {left}{low}, {high}]",
        "arg.not_whole": "{value} is not a whole number",
        "arg.not_between": "{value} is not between {low} and {high}",
        "arg.empty_path": "the path is empty",
        "arg.bad_path": "{value} is not a valid path",
        "arg.is_folder": "{path} is a folder; give a file name inside it",
        "arg.not_writable": "{path} exists and cannot be written (permissions)",
        "arg.parent_not_folder": "{folder} is not a folder, so {path} cannot be written",
        "arg.cannot_write_in": "cannot write in {folder} (permissions or a read-only place)",
        "arg.os": "{value}: {reason}",
        # The store's messages on the command line (tutor/store.py StoreError, ReadOnly.text).
        "store.cli.folder_create": "The folder {folder} cannot be created ({reason}). Progress will not be saved; set TUTOR_HOME to a folder you can write.",
        "store.cli.side_files": "Another user (perhaps `sudo tutor`) left {side} in {folder}, which you cannot write; progress will not be saved. Give the files back to yourself (sudo chown $USER {path}*) and start tutor again.",
        "store.cli.file_perm": "The progress file {path} cannot be written (permissions); progress will not be saved. Fix its permissions (chmod u+w) or set TUTOR_HOME to another folder.",
        "store.cli.folder_perm": "The folder {folder}, which holds the progress file, cannot be written (permissions); progress will not be saved. Fix its permissions or set TUTOR_HOME to a folder you can write.",
        "store.cli.folder_perm_new": "The folder {folder}, which should hold the progress file, cannot be written (permissions); progress will not be saved. Fix its permissions or set TUTOR_HOME to a folder you can write.",
        "store.cli.file_cannot": "The progress file {path} cannot be written ({reason}). Progress will not be saved.",
        "store.cli.damaged_stuck": "The progress file {path} is damaged and cannot be moved aside ({reason}). Progress will not be saved; move it yourself or set TUTOR_HOME to another folder.",
        "store.cli.damaged_afresh": "The progress file {path} is damaged or not tutor's, and cannot be moved aside, so you start afresh. {message}",
        "store.cli.stopped": "The progress file {path} stopped taking writes ({reason}); from now on progress is not saved.",
        "store.cli.is_folder": "The progress file {path} is a folder. Move it away or set TUTOR_HOME to another folder.",
        "store.cli.no_read": "Cannot read or write the progress file {path} (permissions). Fix its permissions or set TUTOR_HOME to another folder.",
        "store.cli.busy": "The progress file {path} is busy (another tutor is writing to it). Try again in a moment; nothing was changed.",
        "store.cli.newer": "The progress file {path} was written by a newer tutor (schema {version}, this one knows {known}). Upgrade tutor; the file was left untouched.",
        "store.cli.not_ours": "it is an SQLite file at schema version {version} but lacks the tables {tables}",
        # Why a file operation failed (errno names), for os_reason().
        "os.ENOENT": "No such file or directory",
        "os.EACCES": "Permission denied",
        "os.EPERM": "Operation not permitted",
        "os.EISDIR": "Is a directory",
        "os.ENOTDIR": "Not a directory",
        "os.ENOSPC": "No space left on device",
        "os.EDQUOT": "Disk quota exceeded",
        "os.EROFS": "Read-only file system",
        "os.EIO": "Input/output error",
        "os.EFBIG": "File too large",
        "os.ENAMETOOLONG": "File name too long",
        "os.ELOOP": "Too many levels of symbolic links",
        "lesson.lab_kept": "The lab keeps working: come back to lesson {number} to see it.",
        "lesson.last": "That was the last lesson: now the module quiz!",
        "lesson.no_checks": "This lesson has no check questions.",
        "lesson.lab_soon": "This lesson's lab is not available in this version yet.",
        "quiz.checks_title": "Check: {title}",
        "quiz.question": "Question {n} of {total}",
        "quiz.choose": "Choose with ↑↓ and Enter, or press 1-4.",
        "quiz.correct": "✓ Correct!",
        "quiz.wrong": "✗ Not quite. The answer was: {answer}",
        "quiz.continue": "Press Enter to continue.",
        "quiz.score": "Score: {score}/{total} ({percent}%)",
        "quiz.passed": "Passed! The pass mark is {mark}%.",
        "quiz.failed": "Not yet: the pass mark is {mark}%. Review your misses and try again.",
        "quiz.perfect": "No misses. Excellent!",
        "quiz.review_heading": "Your misses",
        "quiz.your_answer": "Your answer: {answer}",
        "quiz.right_answer": "Correct: {answer}",
        "quiz.lesson_ref": "Lesson: {title}",
        "quiz.saved": "Attempt saved.",
        "quiz.keys_end": "r: retake only the misses · a: new quiz · Esc: back",
        "quiz.keys_end_perfect": "a: new quiz · Esc: back",
        "progress.title": "Your progress",
        "progress.lessons": "Lessons done: {done}/{total} ({percent}%)",
        "progress.col.lesson": "Lesson",
        "progress.col.status": "Status",
        "progress.col.quiz": "Quiz",
        "progress.col.attempts": "Attempts",
        "progress.col.best": "Best",
        "progress.col.last": "Last",
        "progress.none": "—",
        "chat.title": "Chat with your local model",
        "chat.you": "You",
        "chat.assistant": "Assistant",
        "chat.untitled": "Untitled chat",
        "chat.thinking": "Thinking",
        "chat.stopped_mark": "⏹ stopped by you",
        "chat.incomplete_mark": "⚠ incomplete answer",
        "chat.empty_answer": "⚠ the model finished without writing anything",
        "chat.log.earlier_text": "⋯ {n} KB earlier in this answer: scroll up or click to show",
        "chat.log.earlier_messages": "⋯ {n} earlier messages: scroll up or click to show",
        "chat.waiting_short": "waiting for the model…",
        "chat.empty": "Ask anything about LLMs. Enter sends · Ctrl+J new line · F2 models · F3 history · F4 settings.",
        'chat.empty_lesson': 'Tutor mode: the model knows you are on "{title}". Enter sends · Ctrl+J new line · F2 models · F4 settings.',
        "chat.input_placeholder": "Type your question · Enter sends · Ctrl+J or Alt+Enter: new line",
        "chat.key.escape": "Stop/Back",
        "chat.key.models": "Models",
        "chat.key.history": "History",
        "chat.key.settings": "Settings",
        "chat.key.plain": "Plain text",
        "chat.key.copy": "Copy",
        "chat.bar.connecting": "connecting…",
        "chat.bar.no_model": "no model (F2)",
        "chat.bar.ctx": "ctx {used}/{window}",
        "chat.bar.ctx_max": "(max {n})",
        "chat.state.idle": "F6 tokens · F8 copy · F9 code · Ctrl+T thinking · Ctrl+N new · F12 Español",
        "chat.state.waiting": "⏳ Waiting for the first token… {seconds} s · Esc stops",
        "chat.state.streaming": "✍ Answering… · Esc stops (what arrived is kept)",
        "chat.stats.prompt": "{n} prompt tokens",
        "chat.stats.output": "{n} output tokens",
        "chat.stats.speed": "{v} tokens/s",
        "chat.stats.load": "load {v} s",
        "chat.busy": "The model is still answering: wait, or press Esc to stop it.",
        "chat.too_long": "Your message is {n} characters; the limit is {limit}. Please shorten it.",
        "chat.not_connected": "Not connected to the model server. Retrying…",
        "chat.no_model": "Choose a model first.",
        "chat.stopped": "Answer stopped; what arrived has been saved.",
        "chat.settings_saved": "Settings saved.",
        "chat.copied_answer": "Copied {n} characters to the clipboard (OSC 52).",
        "chat.copied_code": "Copied the code block ({n} characters, OSC 52).",
        "chat.no_code": "There is no code block in the answers.",
        "chat.nothing_to_copy": "There is no answer to copy yet.",
        "chat.copy_too_long": "Too long to copy through OSC 52; use the plain text view (F5).",
        "chat.thinking_shown": "Thinking shown.",
        "chat.thinking_hidden": "Thinking hidden.",
        "chat.fit_numbers": "Fit check: {text}",
        "chat.panel.retry": "Ctrl+R retries · F4 changes the server.",
        "chat.panel.no_models": "Ollama answers, but no model is installed. Press F2: you will see which ones fit this machine and can download one.",
        "chat.panel.no_models_openai": "The server lists no models at /v1/models. Check its configuration.",
        "chat.verdict.gpu": "fits on GPU",
        "chat.verdict.partial": "GPU + CPU",
        "chat.verdict.cpu": "CPU only",
        'chat.verdict.will_not_load': "won't load",
        "chat.verdict.unknown": "fit unknown",
        "chat.err.generic": "Unexpected error: {detail}",
        "chat.err.unreachable": "Ollama does not answer at {url} ({reason}).\n• Not installed? Get it from https://ollama.com/download\n• Installed but not running? Start it with: ollama serve\n• On another machine (e.g. a GPU box over SSH)? Set OLLAMA_HOST=host:port or forward the port: ssh -L 11434:localhost:11434 you@gpu-box",
        "chat.err.unreachable_openai": "Nothing answers at {url} ({reason}). Is the server (exo, llama.cpp, LM Studio…) running, and is the base URL right? Change it in settings (F4) or with --base-url.",
        "chat.err.not_found": "The model {model} is not installed on this Ollama. Press F2 to download it or choose another.",
        "chat.err.not_found_openai": "The server does not know the model {model} ({detail}). Press F2 to choose one it serves.",
        "chat.err.too_large": "{model} could not be loaded: not enough memory ({detail}).\nTry a smaller model (F2 shows which fit) or a shorter context (F4).",
        "chat.err.midstream": "The server reported an error in the middle of the answer: {detail}. What arrived is kept.",
        "chat.err.cut": "The connection closed before the answer was complete ({detail}). What arrived is kept; ask again to retry.",
        "chat.err.timeout": "No answer within {seconds} s. The server may be busy or stuck loading the model.",
        "chat.err.http": "Server error ({status}): {body}",
        "chat.err.not_compatible": "{url} does not behave like an {api} server: {detail}. Check the address and the server type (F4).",
        "chat.err.no_pull": "This server cannot download models; use its own tools.",
        "chat.err.pull": "Could not download {model}: {detail}",
        "chat.err.create": "Ollama could not create {model}: {detail}",
        "chat.err.create_old": "The Ollama at {url} predates version 0.5.5 and cannot create models from uploaded files ({detail}). Upgrade it, or on that machine run: {command}",
        "chat.err.blob": "Ollama rejected the file {digest}…: {detail}",
        "chat.pull.no_such_model": "no such model in the Ollama library (check the name on ollama.com/library)",
        "chat.picker.title": "Models · {backend} {url}",
        "chat.picker.loading": "Looking for installed models…",
        "chat.picker.none_installed": "No models installed. Pick one of the recommended ones or type its name below.",
        "chat.picker.fit_pending": "Checking which ones fit this machine…",
        'chat.picker.fit_ready': "Verdict: ✓ fits on GPU · ◐ GPU + CPU · ○ CPU only · ✗ won't load.",
        "chat.picker.fit_unavailable": "Could not check which models fit this machine (fit unknown).",
        "chat.picker.recommended": "Recommended downloads (best fitting first):",
        "chat.picker.pull_placeholder": "Name of a model to download (e.g. qwen3:4b), then Enter",
        "chat.picker.keys": "Enter: use or download · Tab: type a name · Esc: close or stop the download",
        "chat.picker.keys_no_pull": "Enter: use · Esc: close (this server cannot download models)",
        "chat.pull.stalled": "{model}: nothing received for {n} s. Esc stops the download; pulling again resumes it.",
        "chat.pull.busy": "A download is already running.",
        "chat.pull.checking": "Checking whether {model} fits this machine…",
        "chat.pull.refused": "Not downloading {model}: it will not load on this machine. {reason}",
        "chat.pull.started": "Downloading {model}…",
        "chat.pull.fit_unknown": "(whether it fits this machine is unknown)",
        "chat.pull.progress": "{model}: {status}",
        "chat.pull.done": "{model} downloaded and ready.",
        "chat.pull.cancelled": "Download of {model} stopped. Ask for it again to resume where it stopped.",
        "chat.history.title": "Chat history",
        "chat.history.keys": "Enter: open · r: rename · d: delete · x: export to markdown · n: new chat · Esc: close",
        "chat.history.count": "{n} messages",
        "chat.history.empty": "No saved chats yet.",
        "chat.history.rename_placeholder": "New title, then Enter (Esc cancels)",
        "chat.history.renamed": "Chat renamed.",
        "chat.history.confirm_delete": "Press d again to delete this chat (cannot be undone).",
        "chat.history.deleted": "Chat deleted.",
        "chat.history.exported": "Exported to {path}",
        "chat.history.export_failed": "Could not export: {error}",
        "chat.export.model": "Model",
        "chat.export.started": "Started",
        "chat.export.system": "System prompt",
        "chat.export.tokens": "{n} tokens",
        "chat.logprobs.old_ollama": "Token probabilities: needs Ollama {needed} or newer; this one is {version}. Update it (https://ollama.com/download) and ask again.",
        "chat.logprobs.none_ollama": "This Ollama sent no probabilities (log-probabilities); they need Ollama {needed} or newer.",
        "chat.logprobs.none_openai": "This OpenAI-compatible server sends no probabilities (logprobs / top_logprobs). llama.cpp (llama-server) and vLLM do send them.",
        "chat.logprobs.not_saved": "This answer was saved without probabilities (from before they were asked for, or from a server that does not send them).",
        "chat.logprobs.no_model": "The chat has no model yet at {url}. Open the chat (c), pick one with F2 and come back.",
        "chat.key.tokens": "Tokens",
        "chat.tokens.title": "Tokens and probabilities",
        "chat.tokens.answer": "Answer {n} of {total}",
        "chat.tokens.legend": "plain ≥50% · underlined 10–50% · reversed <10%",
        "chat.tokens.cursor": "Token {i} of {n}: «{token}» had a {p} probability. The model's alternatives at that point:",
        "chat.tokens.chosen": "◀ chosen",
        "chat.tokens.help": "←/→ token · ↑/↓ 10 tokens · Home/End · PgUp/PgDn other answer · F6 or Esc goes back. These are the model's own probabilities, before temperature is applied.",
        "chat.tokens.no_answers": "This chat has no answers yet. Ask something and come back with F6.",
        "chat.settings.title": "Chat settings",
        "chat.settings.keys": "Tab moves between fields · Ctrl+S saves · Esc cancels",
        "chat.settings.system_prompt": "System prompt",
        "chat.settings.tutor_prompt": "Back to the tutor prompt",
        "chat.settings.temperature": "Temperature (0–2)",
        "chat.settings.num_ctx": "Context length",
        'chat.settings.num_ctx_default': "the server's",
        "chat.settings.think": "Ask thinking models to think",
        "chat.settings.backend": "Server",
        "chat.settings.openai": "OpenAI-compatible (exo, llama.cpp, LM Studio)",
        "chat.settings.host": "Ollama address (OLLAMA_HOST)",
        "chat.settings.base_url": "OpenAI-compatible base URL",
        "chat.settings.save": "Save",
        "chat.settings.cancel": "Cancel",
        "chat.settings.bad_temperature": "The temperature must be a number between 0 and 2.",
        "chat.settings.bad_num_ctx": "The context length must be a whole number of at least 256 (or empty).",
        "chat.plain.help": "Plain text: select with Shift+arrows or the mouse; Ctrl+C copies the selection and F8 everything (OSC 52). To select with your terminal instead, hold Shift (Option on macOS) while dragging. Esc goes back.",
        "glossary.title": "Glossary",
        "glossary.filter": "Find a term (Esc: leave the search)",
        "glossary.count": "{shown} of {total} terms",
        "glossary.none": "No term says that. Esc clears the search.",
        "key.find": "Find",
        "too_small": "The terminal is too small: I need at least {need_w}×{need_h}, it is {w}×{h}.",
        "store.recovered": (
            "The progress file was damaged and has been moved aside to {path}. You start with fresh progress; "
            "the original file was not deleted."
        ),
        "store.read_only.folder": (
            "The folder {folder} cannot be written: the lessons open, but this session's progress will not be "
            "saved. Fix its permissions or use TUTOR_HOME."
        ),
        "store.read_only.file": (
            "The progress file {path} cannot be written: the lessons open, but this session's progress will not "
            "be saved. Fix its permissions."
        ),
        "store.read_only.side_files": (
            "Another user (a `sudo tutor`?) left {path}-wal/-shm files you cannot write: the lessons open, but "
            "your progress will not be saved. Fix it with: sudo chown $USER {path}*"
        ),
        "store.read_only.damaged": (
            "The progress file {path} is damaged and cannot be moved aside: you start afresh and nothing from "
            "this session will be saved. Move it yourself or use TUTOR_HOME."
        ),
        "help.title": "Help",
    },
}


def _merge_more_texts() -> None:
    """The engine's and the fit check's messages live in their own file (tutor/i18n_engine.py)."""
    from tutor.i18n_engine import TEXTS

    for lang, table in TEXTS.items():
        CATALOGUE[lang].update(table)


_merge_more_texts()
