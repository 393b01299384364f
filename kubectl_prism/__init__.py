"""kubectl-prism: a Kubernetes copilot that stays fully useful without AI."""

__version__ = "0.1.0"
