"""Health reports (`kubectl prism report`): one model, rendered as Markdown, HTML or JSON."""
