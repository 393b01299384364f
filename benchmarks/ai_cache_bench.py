"""AI cost benchmark (issue 12): input tokens per request of a five-step `ask`, before and after prompt
caching.

    .venv/bin/python benchmarks/ai_cache_bench.py            # Anthropic, caching off then on; OpenAI
    .venv/bin/python benchmarks/ai_cache_bench.py --json

The real CLI runs `ask` over examples/shop-outage (-n shop) against the fake provider
(tests/fakes/ai_server.py), which answers with four tool calls and then the answer, caches prompts the
way each API does (tests/fakes/ai_cache.py) and reports usage in its fields. The numbers per request
come from prism's own audit log (`ai.response` records), i.e. as prism received them from the provider.

Counting: the fake counts 4 bytes of JSON a token (the real tokenizers are not reachable from these
machines), so absolute numbers are estimates; the split between uncached, cache-read and cache-write
tokens follows the providers' rules. "billed" prices input as Anthropic does: uncached 1x, cache writes
1.25x, cache reads 0.1x (OpenAI: reads 0.5x or less depending on the model, writes free; shown at 0.5x).
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


def run(provider: str, prompt_cache: bool, server: Any, tmp: Path) -> list[dict[str, Any]]:
    from tests.fakes.ai_cache import PromptCache

    server.cache = PromptCache()  # every run starts cold
    config, state = tmp / f"config-{provider}-{prompt_cache}", tmp / f"state-{provider}-{prompt_cache}"
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
    server.enqueue(*steps())
    done = subprocess.run([str(BIN / "kubectl-prism"), "ask", QUESTION, "-n", "shop", "--snapshot",
                           str(SNAPSHOT), "-o", "json"], env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"ask failed ({done.returncode}): {done.stderr[-2000:]}")
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON at the end")
    args = parser.parse_args()
    from tests.fakes.ai_server import FakeAIServer

    load = os.getloadavg()
    print(f"five-step ask over {SNAPSHOT.relative_to(ROOT)} -n shop; load average {load[0]:.2f}")
    results: dict[str, Any] = {}
    tmp = Path(tempfile.mkdtemp(prefix="prism-cache-bench-"))
    try:
        with FakeAIServer() as server:
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
    results = {"load": load[0], "anthropic_before": before, "anthropic_after": after, "openai": openai,
               "anthropic_saved": round(saved, 3)}
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
