"""Files the engine ships: the course tokenizer (course_bpe.tiktoken) and mini GPT (course_gpt.pt).

A package only so that packaging includes these files; see tutor/engine/pretrained.py.
"""
