"""Our own words to the model. Only constants live here; cluster data never goes into an Instruction."""

from __future__ import annotations

from kubectl_prism.ai.providers.base import Instruction, ToolSpec

DISCLAIMER = "AI-generated guidance: review before acting."

_REDACTION_NOTE = (
    "Secrets were removed before you saw the data: placeholders such as [REDACTED:jwt] stand for "
    "removed values. Names may be anonymized placeholders; use them exactly as given. "
    "Never ask for secret values."
)

EXPLAIN_SYSTEM = Instruction(
    "You are kubectl-prism, a Kubernetes troubleshooting assistant. You receive findings from "
    "rule-based analyzers and a redacted, size-limited extract of the related objects, events and log "
    "tails. " + _REDACTION_NOTE + "\n"
    "Find the root cause. First write two to four plain sentences for the operator. Then call the "
    "report_diagnosis tool exactly once. Evidence must quote the context. Remediation steps must use "
    "concrete kubectl commands with the real names from the context (never placeholders like <pod>), "
    "read-only checks before changes. Do not invent objects that are not in the context. If the "
    "context is not enough, say what to check next and lower the confidence."
)

EXPLAIN_TASK = Instruction("Diagnose the findings above and call report_diagnosis.")

EXPLAIN_FORCE = Instruction("Call report_diagnosis now with your conclusion.")

REPORT_TOOL = ToolSpec(
    name="report_diagnosis",
    description="Report the root cause, evidence, remediation steps and confidence of the diagnosis.",
    parameters={
        "type": "object",
        "properties": {
            "summary": {"type": "string", "description": "Two or three sentences for an executive summary."},
            "root_cause": {"type": "string", "description": "The single most likely root cause."},
            "evidence": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Facts from the context that support the root cause.",
            },
            "remediation": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "description": {"type": "string"},
                        "command": {"type": "string", "description": "A runnable kubectl command, or empty."},
                    },
                    "required": ["description"],
                },
            },
            "confidence": {"type": "string", "enum": ["high", "medium", "low"]},
        },
        "required": ["root_cause", "evidence", "remediation", "confidence"],
    },
)

ASK_SYSTEM = Instruction(
    "You are kubectl-prism, a read-only Kubernetes assistant. Answer the operator's question about "
    "their cluster using the tools; they only read. Start broad (diagnose, list_resources), then "
    "narrow (get_resource, get_events, get_logs) with the fewest calls. " + _REDACTION_NOTE + " "
    "If a tool says its result was too large, call it again with a narrower query. "
    "Answer concisely with the evidence you found. You cannot change anything: when a change would "
    "help, give the exact kubectl command for the operator to review and run."
)

ASK_FINAL = Instruction(
    "The step or token budget is used up: answer now from what you have, and say what you could not check."
)
