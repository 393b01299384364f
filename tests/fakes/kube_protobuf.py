"""Just enough of Kubernetes' protobuf wire format for SelfSubjectAccessReview / SelfSubjectRulesReview.

kubectl 1.32+ posts these reviews as `application/vnd.kubernetes.protobuf`: the body is the magic
`k8s\\0` followed by a runtime.Unknown message {1: TypeMeta{1: apiVersion, 2: kind}, 2: raw object}.
Field numbers come from k8s.io/api/authorization/v1/generated.proto.
"""

from __future__ import annotations

from typing import Any

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"

# --- decoding ----------------------------------------------------------------------------------


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """Decode one message level into (field number, value) pairs; nested messages stay bytes."""
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            out.append((number, value))
        elif wire == 2:
            size, pos = _varint(data, pos)
            out.append((number, data[pos:pos + size]))
            pos += size
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
    return out


def _first(pairs: list[tuple[int, int | bytes]], number: int) -> Any:
    for n, value in pairs:
        if n == number:
            return value
    return None


def _text(pairs: list[tuple[int, int | bytes]], number: int) -> str:
    value = _first(pairs, number)
    return value.decode() if isinstance(value, bytes) else ""


def unwrap(body: bytes) -> tuple[str, str, bytes]:
    """Envelope → (apiVersion, kind, raw object bytes)."""
    if not body.startswith(MAGIC):
        raise ValueError("protobuf body without the k8s\\0 prefix")
    unknown = fields(body[len(MAGIC):])
    type_meta = fields(_first(unknown, 1) or b"")
    return _text(type_meta, 1), _text(type_meta, 2), _first(unknown, 2) or b""


def decode_ssar(raw: bytes) -> dict[str, Any]:
    """SelfSubjectAccessReview bytes → its JSON shape (spec only)."""
    spec_pairs = fields(_first(fields(raw), 2) or b"")
    spec: dict[str, Any] = {}
    if (res := _first(spec_pairs, 1)) is not None:
        pairs = fields(res)
        names = ("namespace", "verb", "group", "version", "resource", "subresource", "name")
        attrs = {key: _text(pairs, i + 1) for i, key in enumerate(names)}
        spec["resourceAttributes"] = {k: v for k, v in attrs.items() if v}
    if (nonres := _first(spec_pairs, 2)) is not None:
        pairs = fields(nonres)
        spec["nonResourceAttributes"] = {"path": _text(pairs, 1), "verb": _text(pairs, 2)}
    return {"spec": spec}


def decode_ssrr(raw: bytes) -> dict[str, Any]:
    spec_pairs = fields(_first(fields(raw), 2) or b"")
    return {"spec": {"namespace": _text(spec_pairs, 1)}}


# --- encoding ----------------------------------------------------------------------------------


def _enc_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return _enc_varint(number << 3 | 2) + _enc_varint(len(data)) + data


def _bool(number: int, value: bool) -> bytes:
    return _enc_varint(number << 3) + _enc_varint(int(value))


def wrap(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = _field(1, api_version) + _field(2, kind)
    return MAGIC + _field(1, type_meta) + _field(2, raw) + _field(3, b"") + _field(4, b"")


def _resource_attributes(attrs: dict[str, Any]) -> bytes:
    names = ("namespace", "verb", "group", "version", "resource", "subresource", "name")
    return b"".join(_field(i + 1, str(attrs.get(key, ""))) for i, key in enumerate(names))


def encode_ssar(review: dict[str, Any]) -> bytes:
    spec = review.get("spec") or {}
    spec_bytes = b""
    if "resourceAttributes" in spec:
        spec_bytes += _field(1, _resource_attributes(spec["resourceAttributes"]))
    if "nonResourceAttributes" in spec:
        nra = spec["nonResourceAttributes"]
        spec_bytes += _field(2, _field(1, nra.get("path", "")) + _field(2, nra.get("verb", "")))
    status = review.get("status") or {}
    status_bytes = (_bool(1, bool(status.get("allowed"))) + _field(2, status.get("reason", ""))
                    + _field(3, status.get("evaluationError", "")) + _bool(4, bool(status.get("denied"))))
    raw = _field(1, b"") + _field(2, spec_bytes) + _field(3, status_bytes)
    return wrap("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw)


def encode_ssrr(review: dict[str, Any]) -> bytes:
    spec = _field(1, (review.get("spec") or {}).get("namespace", ""))
    status = review.get("status") or {}
    body = b""
    for rule in status.get("resourceRules", []):
        msg = b"".join(_field(1, v) for v in rule.get("verbs", []))
        msg += b"".join(_field(2, v) for v in rule.get("apiGroups", []))
        msg += b"".join(_field(3, v) for v in rule.get("resources", []))
        msg += b"".join(_field(4, v) for v in rule.get("resourceNames", []))
        body += _field(1, msg)
    for rule in status.get("nonResourceRules", []):
        msg = b"".join(_field(1, v) for v in rule.get("verbs", []))
        msg += b"".join(_field(2, v) for v in rule.get("nonResourceURLs", []))
        body += _field(2, msg)
    body += _bool(3, bool(status.get("incomplete"))) + _field(4, status.get("evaluationError", ""))
    raw = _field(1, b"") + _field(2, spec) + _field(3, body)
    return wrap("authorization.k8s.io/v1", "SelfSubjectRulesReview", raw)


def encode_ssr(user: str, groups: list[str]) -> bytes:
    """SelfSubjectReview (authentication.k8s.io/v1) for `kubectl auth whoami`."""
    info = _field(1, user) + _field(2, "") + b"".join(_field(3, g) for g in groups)
    raw = _field(1, b"") + _field(2, _field(1, info))
    return wrap("authentication.k8s.io/v1", "SelfSubjectReview", raw)
