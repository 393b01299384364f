"""Renderers: the same result model printed for people (text), tickets (markdown) or machines (json/yaml).

Commands build one model (`Diagnosis`, `Explanation`, the rule list) and hand it to `render_*` here;
nothing in this package gathers, analyzes or calls AI. `rich` and `yaml` are imported lazily.
"""
