"""AI cost benchmark (issue 12): input tokens per request, as the provider counts them, for the explain
context of the bundled examples at pod, deploy and namespace scope and for a five-step `ask`, before
and after prompt caching.

    .venv/bin/python benchmarks/ai_cache_bench.py            # scopes, then the ask: Anthropic, OpenAI
    .venv/bin/python benchmarks/ai_cache_bench.py --json
    .venv/bin/python benchmarks/ai_cache_bench.py --bytes    # the fake's cheap count, 4 bytes a token

The real CLI runs against the fake provider (tests/fakes/ai_server.py), which caches prompts the way
each API does (tests/fakes/ai_cache.py) and reports usage in its fields; the numbers per request come
from prism's own audit log (`ai.response` records), i.e. as prism received them from the provider.
- scopes: `diagnose TARGET --ai` over examples/shop-outage, payments-degraded and healthy, once with
  `prompt_cache = false` (before), then twice with it on: the first run writes the cache (cold), the
  second, within the 5-minute lifetime, reads what is the same (warm);
- ask: `ask` over examples/shop-outage -n shop, four tool calls then the answer, caching off and on.

Counting: with tiktoken's `o200k_base` (shipped offline, see kubectl_prism/tokens.py), over every text
the provider tokenizes (system, messages, tool inputs and results, tool schemas). That is the count of
OpenAI's GPT-4o/4.1/5 models exactly; Claude's tokenizer is not published (its count needs the
count_tokens endpoint, unreachable here), so the Anthropic rows are o200k counts too, labelled so.
"billed" prices input as Anthropic does: uncached 1x, cache writes 1.25x, cache reads 0.1x (OpenAI:
reads 0.5x or less depending on the model, writes free; shown at 0.5x).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
SNAPSHOT = ROOT / "examples" / "shop-outage"
QUESTION = "why is the api crash-looping and what should I change?"
PRICES = {"anthropic": (1.0, 1.25, 0.1), "azure-openai": (1.0, 0.0, 0.5)}  # uncached, write, read


def steps() -> list[Any]:
    from tests.fakes.ai_server import text, tool

    pod = _crashing_pod()
    return [
        tool("diagnose", {}, text="Let me look at the findings first."),
        tool("get_events", {"namespace": "shop"}),
        tool("get_logs", {"pod": pod, "previous": True, "tail_lines": 50}),
        tool("get_resource", {"kind": "Deployment", "name": "api", "namespace": "shop"}),
        text("The api container exits because it cannot resolve its database host; fix DB_HOST."),
    ]


def _crashing_pod() -> str:
    for path in sorted((SNAPSHOT / "shop").glob("*")):
        if path.is_dir() and path.name.startswith("api-"):
            return path.name
    return "api"


def tokenizer(use_bytes: bool) -> Any:
    """tiktoken's o200k_base (as kubectl_prism.tokens loads it offline), or None for 4 bytes a token."""
    if use_bytes:
        return None
    from kubectl_prism.tokens import counter

    count = counter()
    if count._encoding is None:
        raise SystemExit("tiktoken is not usable here; run with --bytes for the fake's estimate")
    return count._encoding


def run(provider: str, prompt_cache: bool, server: Any, tmp: Path, argv: list[str] | None = None,
        replies: list[Any] | None = None, cold: bool = True) -> list[dict[str, Any]]:
    """The `ai.response` token records of one CLI run (`ask` by default); `cold`: empty the cache."""
    from tests.fakes.ai_cache import PromptCache

    if cold:
        server.cache = PromptCache(tokenizer=server.cache.tokenizer)
    runs = sorted(tmp.glob("config-*"))
    config, state = tmp / f"config-{len(runs)}", tmp / f"state-{len(runs)}"
    config.mkdir(parents=True)
    table = {"enabled": True, "provider": provider, "max_retries": 0, "timeout": 30,
             "prompt_cache": prompt_cache}
    if provider == "anthropic":
        table.update(model="claude-sonnet-4-5", base_url=server.anthropic_base_url)
    else:
        table.update(model="gpt-prod", azure_endpoint=server.azure_endpoint, azure_deployment="gpt-prod",
                     api_version="2024-10-21")
    lines = "".join(f"{k} = {json.dumps(v)}\n" for k, v in table.items())
    (config / "config.toml").write_text(f"[ai]\n{lines}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_", "AZURE_"))}
    env.update(PRISM_CONFIG_DIR=str(config), PRISM_STATE_DIR=str(state), ANTHROPIC_API_KEY="sk-bench",
               AZURE_OPENAI_API_KEY="azure-bench", KUBECONFIG=str(tmp / "none"))
    server.enqueue(*(steps() if replies is None else replies))
    argv = argv or ["ask", QUESTION, "-n", "shop", "--snapshot", str(SNAPSHOT)]
    done = subprocess.run([str(BIN / "kubectl-prism"), *argv, "-o", "json"], env=env, capture_output=True,
                          text=True, timeout=300)
    if done.returncode not in (0, 1):  # 1: diagnose found problems at or above --fail-on
        raise SystemExit(f"{argv[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    records = [json.loads(line) for line in (state / "audit.jsonl").read_text().splitlines()]
    return [r["tokens"] for r in records if r["event"] == "ai.response"]


def billed(tokens: dict[str, int], provider: str) -> float:
    uncached, write, read = PRICES[provider]
    return tokens["uncached"] * uncached + tokens["cacheWrite"] * write + tokens["cacheRead"] * read


def report(name: str, provider: str, rows: list[dict[str, int]]) -> dict[str, Any]:
    print(f"\n{name}")
    print(f"  {'request':>7} {'input':>8} {'uncached':>9} {'read':>8} {'written':>8} {'billed':>9}")
    for i, t in enumerate(rows, start=1):
        print(f"  {i:>7} {t['input']:>8,} {t['uncached']:>9,} {t['cacheRead']:>8,} {t['cacheWrite']:>8,} "
              f"{billed(t, provider):>9,.0f}")
    total = {k: sum(t[k] for t in rows) for k in ("input", "uncached", "cacheRead", "cacheWrite", "output")}
    print(f"  {'total':>7} {total['input']:>8,} {total['uncached']:>9,} {total['cacheRead']:>8,} "
          f"{total['cacheWrite']:>8,} {billed(total, provider):>9,.0f}")
    return {"requests": rows, "total": total, "billed": round(billed(total, provider))}


# (example, namespace, pod, deployment): the scopes the explain context is measured at.
SCOPES = [
    ("shop-outage", "shop", "api-7d9c5b8f6d-nnhwj", "api"),
    ("payments-degraded", "payments", "fraud-scorer-6b7d4f9c58-n7dt5", "fraud-scorer"),
    ("healthy", "demo", "hello-6b9d8c7f5d-5gthj", "hello"),
]
ANSWER = {"root_cause": "the database host does not resolve", "evidence": [], "remediation": [],
          "confidence": "medium"}


def prefix_tokens(body: dict[str, Any], cache: Any) -> int:
    """Tokens of a request's tool schemas and system prompt, counted as the fake provider counts."""
    from tests.fakes.ai_cache import _anthropic_blocks

    blocks = _anthropic_blocks({"tools": body.get("tools"), "system": body.get("system")})
    return sum(cache._size({k: v for k, v in b.items() if k != "cache_control"}) for b in blocks)


def scopes(server: Any, tmp: Path, provider: str) -> list[dict[str, Any]]:
    """Input tokens of `diagnose TARGET --ai` per bundled scope: caching off, then on (cold, warm)."""
    from tests.fakes.ai_server import tool

    print(f"\nexplain context, {provider}: one request per run. input = the whole request (system, tool "
          "schema, context); prefix = its system prompt and tool schema, the part a one-shot request marks "
          "for caching (Anthropic caches it only from 1,024 tokens: claude-sonnet-4-5)")
    print(f"  {'example':<18} {'scope':<36} {'input':>6} {'prefix':>6} | cold: {'uncached':>8} "
          f"{'written':>7} | warm: {'uncached':>8} {'read':>6} {'billed':>6}")
    rows = []
    for example, ns, pod, deploy in SCOPES:
        for target in (f"pod/{pod}", f"deploy/{deploy}", None):
            argv = ["diagnose", *([target] if target else []), "-n", ns, "--snapshot",
                    str(ROOT / "examples" / example), "--ai"]
            reply = [tool("report_diagnosis", ANSWER)]
            before = run(provider, False, server, tmp, argv, reply)
            cold = run(provider, True, server, tmp, argv, reply)
            warm = run(provider, True, server, tmp, argv, reply, cold=False)
            if not before:  # nothing to explain: no request was made
                print(f"  {example:<18} {target or 'namespace ' + ns:<36} (no findings: no request)")
                continue
            b, c, w = before[0], cold[0], warm[0]
            prefix = prefix_tokens(server.requests[-1].json, server.cache)
            scope = target or f"namespace {ns}"
            print(f"  {example:<18} {scope:<36} {b['input']:>6,} {prefix:>6,} | cold: {c['uncached']:>8,} "
                  f"{c['cacheWrite']:>7,} | warm: {w['uncached']:>8,} {w['cacheRead']:>6,} "
                  f"{billed(w, provider):>6,.0f}")
            rows.append({"example": example, "scope": scope, "prefix": prefix, "before": b, "cold": c,
                         "warm": w})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON at the end")
    parser.add_argument("--bytes", action="store_true", help="count 4 bytes a token (the fake's default)")
    args = parser.parse_args()
    from tests.fakes.ai_cache import PromptCache
    from tests.fakes.ai_server import FakeAIServer

    load = os.getloadavg()
    counted = "4 bytes of JSON a token (estimate)" if args.bytes else "o200k_base (tiktoken)"
    print(f"input tokens counted with {counted}; load average {load[0]:.2f}")
    results: dict[str, Any] = {}
    tmp = Path(tempfile.mkdtemp(prefix="prism-cache-bench-"))
    try:
        with FakeAIServer() as server:
            server.cache = PromptCache(tokenizer=tokenizer(args.bytes))
            results["scopes_anthropic"] = scopes(server, tmp, "anthropic")
            print(f"\nfive-step ask over {SNAPSHOT.relative_to(ROOT)} -n shop")
            before = report("anthropic, prompt_cache = false (before)", "anthropic",
                            run("anthropic", False, server, tmp))
            after = report("anthropic, prompt_cache = true (after)", "anthropic",
                           run("anthropic", True, server, tmp))
            openai = report("azure-openai (automatic caching, reported)", "azure-openai",
                            run("azure-openai", True, server, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    saved = 1 - after["billed"] / before["billed"]
    print(f"\nanthropic billed input: {before['billed']:,} -> {after['billed']:,} token-equivalents "
          f"({saved:.0%} less)")
    results |= {"load": load[0], "counted": counted, "anthropic_before": before, "anthropic_after": after,
                "openai": openai, "anthropic_saved": round(saved, 3)}
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
