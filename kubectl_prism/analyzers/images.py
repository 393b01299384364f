"""Why an image cannot be pulled, read from the kubelet's words: not found, unauthorized, unreachable."""

from __future__ import annotations

import re

from kubectl_prism.analyzers.pod_evidence import EventIndex, clip, event_message, trim
from kubectl_prism.analyzers.pod_status import PodProblem
from kubectl_prism.snapshot import KubeObject, name_of

# --- image pulls -------------------------------------------------------------------------------------

IMAGE_NOT_FOUND = "not found"
IMAGE_UNAUTHORIZED = "unauthorized"
IMAGE_AMBIGUOUS = "not found or unauthorized"
IMAGE_NETWORK = "registry unreachable"
IMAGE_RATE_LIMITED = "rate limited"
IMAGE_INVALID = "invalid image name"
IMAGE_UNKNOWN = "pull failed"

_IMAGE_CLASSES = (
    # Docker Hub answers the same for a missing and a private repository.
    (
        IMAGE_AMBIGUOUS,
        r"pull access denied.*(?:does not exist|may require)|requested access to the resource is denied",
    ),
    (IMAGE_INVALID, r"invalid reference format|InvalidImageName|couldn't parse image"),
    (IMAGE_RATE_LIMITED, r"toomanyrequests|rate limit|429 Too Many Requests"),
    (
        IMAGE_UNAUTHORIZED,
        r"unauthorized|authentication required|authorization failed|401|403 Forbidden|"
        r"denied|no basic auth credentials|credentials",
    ),
    (
        IMAGE_NOT_FOUND,
        r"manifest unknown|not found|repository does not exist|name unknown|"
        r"no matching manifest|does not exist",
    ),
    (
        IMAGE_NETWORK,
        r"no such host|i/o timeout|connection refused|TLS handshake|dial tcp|x509|"
        r"context deadline exceeded|network is unreachable|connection reset",
    ),
)


def classify_image_error(*messages: str) -> str:
    text = " ".join(clip(m) for m in messages if m)
    for label, pattern in _IMAGE_CLASSES:
        if re.search(pattern, text, re.IGNORECASE):
            return label
    return IMAGE_UNKNOWN


def pull_error_summary(message: str, limit: int = 260) -> str:
    """A kubelet pull error is long and nested; its head names the image and its tail says why."""
    text = " ".join(message.split())
    if len(text) <= limit:
        return text
    head = text.split(": ", 1)[0]
    tail_room = limit - len(head) - 5
    return f"{head}: … {text[-tail_room:].lstrip()}" if tail_room > 40 else trim(text, limit)


def image_registry(image: str) -> str:
    first = image.split("/", 1)[0]
    if "/" in image and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"



def pull_error_kind(events: EventIndex, problem: PodProblem, pod: KubeObject, namespace: str) -> str:
    """How the registry refused the image: IMAGE_NOT_FOUND, IMAGE_UNAUTHORIZED, ... (from the pod's state
    and its "Failed to pull image" events: the bare "Error: ErrImagePull" events say nothing)."""
    if problem.reason == "InvalidImageName":
        return IMAGE_INVALID
    failed = pull_failures(events, pod, namespace)
    return classify_image_error(problem.detail, *(event_message(e) for e in failed))


def pull_failures(events: EventIndex, pod: KubeObject, namespace: str) -> list[KubeObject]:
    return [
        e
        for e in events.about("Pod", namespace, name_of(pod), reason="Failed")
        if "pull image" in event_message(e).lower()
    ]
