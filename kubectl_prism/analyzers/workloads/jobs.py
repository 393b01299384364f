"""Jobs and CronJobs: failed runs (exit code, log line of the failing pod), suspended or silent schedules.

A run that failed because it cannot reach a Service whose own pods are broken (a migration and its
database) is that pod finding's symptom: a warning pointing at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubectl_prism.analyzers import Rule
from kubectl_prism.analyzers._index import LOG_TAIL, pod_index
from kubectl_prism.analyzers.causes import Link, pod_finding
from kubectl_prism.analyzers.log_dependencies import log_tail, service_named
from kubectl_prism.analyzers.pod_evidence import (
    age,
    clip,
    decisive_log_lines,
    duration_text,
    event_line,
    last_log_line,
    parse_time,
    trim,
)
from kubectl_prism.analyzers.pod_status import pod_problem
from kubectl_prism.analyzers.workloads.common import WorkloadContext, owned, warning
from kubectl_prism.analyzers.workloads.create import admission_want, failed_create
from kubectl_prism.analyzers.workloads.cron import Cron, CronError
from kubectl_prism.findings import Finding, ObjectRef, Remediation, Severity
from kubectl_prism.snapshot import KubeObject, meta, name_of, namespace_of

JOB_FAILED = Rule(
    "job-failed",
    Severity.CRITICAL,
    "Job failed (BackoffLimitExceeded/DeadlineExceeded) or keeps failing: exit code and log line of the last "
    "failed pod (warning when a broken dependency is the cause)",
)
CRONJOB_FAILING = Rule(
    "cronjob-failing",
    Severity.CRITICAL,
    "CronJob's most recent run failed, with the failing pod's exit code and log line",
)
CRONJOB_SUSPENDED = Rule("cronjob-suspended", Severity.INFO, "CronJob is suspended: no runs are scheduled")
CRONJOB_NOT_SCHEDULING = Rule(
    "cronjob-not-scheduling",
    Severity.WARNING,
    "CronJob missed its schedule (never ran or stopped running), with the likely cause",
)
JOB_RULES = (JOB_FAILED, CRONJOB_FAILING, CRONJOB_SUSPENDED, CRONJOB_NOT_SCHEDULING)


def _cond(obj: KubeObject, cond_type: str) -> dict[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == cond_type and cond.get("status") == "True":
            return cond
    return None


def _cron_owner(ctx: WorkloadContext, job: KubeObject) -> KubeObject | None:
    for ref in meta(job).get("ownerReferences") or []:
        if ref.get("kind") == "CronJob":
            return ctx.snapshot.get("CronJob", namespace_of(job), ref.get("name", ""))
    return None


@dataclass
class _Runs:
    """What the job's failed pods say: evidence, what to do, the pods, and the failing dependency."""

    evidence: list[str] = field(default_factory=list)
    remediation: list[Remediation] = field(default_factory=list)
    pods: list[ObjectRef] = field(default_factory=list)
    backends: list[ObjectRef] = field(default_factory=list)  # the pods of the Service the run cannot reach
    service: str = ""


def _pod_evidence(ctx: WorkloadContext, job: KubeObject) -> _Runs:
    """Exit code and decisive log line of the job's most recent failed pod."""
    failed = [p for p in owned(ctx.snapshot, "Pod", job) if (p.get("status") or {}).get("phase") == "Failed"]
    if not failed:
        return _Runs()
    failed.sort(key=lambda p: (meta(p).get("creationTimestamp") or "", name_of(p)))
    # The latest failed pod whose log was read (a gatherer reads one pod per Job), else the latest.
    pod = next((p for p in reversed(failed) if _has_log(ctx, p)), failed[-1])
    ns, pod_name = namespace_of(pod) or "default", name_of(pod)
    runs = _Runs(
        [f"{len(failed)} failed pod(s); latest examined: {pod_name}"], [], [ObjectRef.of(p) for p in failed]
    )
    evidence, remediation = runs.evidence, runs.remediation
    problem = pod_problem(pod)
    if problem is not None:
        evidence.append(
            f"pod {pod_name}: {problem.reason}"
            + (f", container {problem.container}" if problem.container else "")
            + (f", {problem.detail}" if problem.detail else "")
        )
        if problem.container:
            log = ctx.snapshot.log(ns, pod_name, problem.container)
            lines = decisive_log_lines(log)
            line = lines[0].text if lines else last_log_line(log)
            shown = [str(numbered) for numbered in lines]
            evidence += shown or ([f"log (last line): {line}"] if line else [])
            if line:
                runs.service, runs.backends = _dependency(ctx, pod, problem.container, line)
            remediation.append(
                Remediation(
                    "Read the failed run's log",
                    f"kubectl -n {ns} logs {pod_name} -c {problem.container} {LOG_TAIL}",
                )
            )
    return runs


def _dependency(
    ctx: WorkloadContext, pod: KubeObject, container: str, line: str
) -> tuple[str, list[ObjectRef]]:
    """A run that cannot reach a Service of its namespace whose own pods are failing (a migration Job and
    its Pending database): that pod finding is the root cause, the failed Job its symptom."""
    ns = namespace_of(pod) or "default"
    services = sorted((name_of(s) for s in ctx.snapshot.of_kind("Service", ns)), key=len, reverse=True)
    service = service_named(services, None, line, log_tail(ctx.snapshot, ns, name_of(pod), container))
    if service is None:
        return "", []
    selector = ((ctx.snapshot.get("Service", ns, service) or {}).get("spec") or {}).get("selector")
    return service, [ObjectRef.of(p) for p in pod_index(ctx.snapshot).matching(ns, selector)]


def _link_dependency(finding: Finding, runs: _Runs) -> Finding:
    if runs.backends:

        def then(finding: Finding, _: Finding | None) -> None:
            finding.severity = Severity.WARNING
            finding.message += (
                f" Its pods cannot reach Service {runs.service}, whose own pods are failing "
                f"({(finding.caused_by or {}).get('rule')}): fix that first, then run it again."
            )

        finding.links.append(Link(pod_finding(runs.backends), then=then))
    return finding


def _has_log(ctx: WorkloadContext, pod: KubeObject) -> bool:
    ns, name = namespace_of(pod) or "default", name_of(pod)
    return any(key.namespace == ns and key.pod == name for key in ctx.snapshot.logs)


def _failure_summary(job: KubeObject, evidence: list[str]) -> str:
    cond = _cond(job, "Failed") or {}
    parts = [cond.get("reason") or "Failed"]
    for line in evidence:
        if "exit code" in line:
            parts.append(line[line.index("exit code") :].split(" (")[0])
            break
    return ", ".join(parts)


def analyze_job(ctx: WorkloadContext, job: KubeObject) -> list[Finding]:
    if _cron_owner(ctx, job) is not None:
        return []  # reported as part of its CronJob
    ns, name = namespace_of(job) or "default", name_of(job)
    spec, status = job.get("spec") or {}, job.get("status") or {}
    if _cond(job, "Complete"):
        return []
    failed_cond = _cond(job, "Failed")
    backoff = spec.get("backoffLimit", 6)
    counts = (
        f"status: {status.get('failed', 0) or 0} failed, {status.get('active', 0) or 0} active, "
        f"{status.get('succeeded', 0) or 0} succeeded; backoffLimit={backoff}"
    )
    if failed_cond is None:
        create = failed_create(ctx.events, "Job", ns, name)
        if create is not None and not status.get("active"):
            want = admission_want(ns, create)
            return [
                Finding(
                    JOB_FAILED.id,
                    Severity.CRITICAL,
                    f"Job {name}: cannot create pods ({create.summary})",
                    ObjectRef.of(job),
                    reason=create.reason,
                    message=create.summary,
                    evidence=[*create.evidence, counts],
                    remediation=create.remediation,
                    related=create.related,
                    links=[Link(want, then=warning)] if want else [],
                )
            ]
        if not status.get("failed"):
            return []
    runs = _pod_evidence(ctx, job)
    evidence, remediation, pods = runs.evidence, runs.remediation, runs.pods
    evidence = (
        [
            f"condition Failed=True reason={failed_cond.get('reason', '')}: "
            f"{trim(failed_cond.get('message', ''), 160)}"
        ]
        if failed_cond
        else []
    ) + [counts, *evidence]
    if failed_cond and failed_cond.get("reason") == "DeadlineExceeded":
        evidence.append(f"activeDeadlineSeconds={spec.get('activeDeadlineSeconds')}")
        remediation.append(
            Remediation("The Job ran longer than activeDeadlineSeconds: make it faster or give it more time")
        )
    if failed_cond:
        remediation.append(
            Remediation(
                f"Fix the cause, then delete and recreate Job {name} to run it again (a failed Job does not "
                "retry)"
            )
        )
        title = f"Job {name} failed ({_failure_summary(job, evidence)})"
        severity = Severity.CRITICAL
        why = clip(failed_cond.get("message") or failed_cond.get("reason") or "")
        message = f"Job {name} gave up: {why}."
    else:
        title = f"Job {name}: {status.get('failed')} pod(s) failed so far (retrying, backoffLimit {backoff})"
        severity = Severity.WARNING
        message = f"Job {name} is retrying failed pods; it fails for good after {backoff} retries."
    finding = Finding(
        JOB_FAILED.id,
        severity,
        title,
        ObjectRef.of(job),
        reason=(failed_cond or {}).get("reason") or "BackOff",
        message=message,
        evidence=evidence,
        remediation=remediation,
        affected=pods,
    )
    return [_link_dependency(finding, runs)]


# --- CronJobs ----------------------------------------------------------------------------------------


def _job_time(job: KubeObject) -> str:
    annotations = meta(job).get("annotations") or {}
    return (
        annotations.get("batch.kubernetes.io/cronjob-scheduled-timestamp")
        or meta(job).get("creationTimestamp")
        or ""
    )


def analyze_cronjob(ctx: WorkloadContext, cj: KubeObject) -> list[Finding]:
    ns, name = namespace_of(cj) or "default", name_of(cj)
    spec, status = cj.get("spec") or {}, cj.get("status") or {}
    ref = ObjectRef.of(cj)
    if spec.get("suspend"):
        return [
            Finding(
                CRONJOB_SUSPENDED.id,
                Severity.INFO,
                f"CronJob {name} is suspended",
                ref,
                reason="Suspended",
                message=f"No runs of schedule {spec.get('schedule')!r} are created while suspended.",
                evidence=["spec.suspend=true", f"lastScheduleTime={status.get('lastScheduleTime', 'never')}"],
                remediation=[
                    Remediation(
                        "Resume it if the suspension is not intended",
                        f'kubectl -n {ns} patch cronjob {name} -p \'{{"spec":{{"suspend":false}}}}\'',
                    )
                ],
            )
        ]
    findings = []
    jobs = sorted(owned(ctx.snapshot, "Job", cj), key=_job_time)
    finished = [j for j in jobs if _cond(j, "Complete") or _cond(j, "Failed")]
    if finished and _cond(finished[-1], "Failed"):
        findings.append(_cron_failing(ctx, cj, finished))
    elif not jobs and status.get("lastScheduleTime") and not status.get("active"):
        last_ok, last_run = status.get("lastSuccessfulTime"), status.get("lastScheduleTime")
        ok_time, run_time = parse_time(last_ok), parse_time(last_run)
        if ok_time is None or (run_time is not None and ok_time < run_time):
            findings.append(
                Finding(
                    CRONJOB_FAILING.id,
                    Severity.WARNING,
                    f"CronJob {name}: the run scheduled at {last_run} did not succeed",
                    ref,
                    reason="JobNotSucceeded",
                    message="The last scheduled run has no success recorded and its Job is gone.",
                    evidence=[f"lastScheduleTime={last_run}", f"lastSuccessfulTime={last_ok or 'never'}"],
                    remediation=[
                        Remediation(
                            "Run it once by hand and watch it",
                            f"kubectl -n {ns} create job {_manual(name)} --from=cronjob/{name}",
                        )
                    ],
                )
            )
    if late := _not_scheduling(ctx, cj):
        findings.append(late)
    return findings


def _manual(name: str) -> str:
    return f"{name[:52]}-manual-run"


def _cron_failing(ctx: WorkloadContext, cj: KubeObject, finished: list[KubeObject]) -> Finding:
    ns, name = namespace_of(cj) or "default", name_of(cj)
    streak = []
    for job in reversed(finished):
        if not _cond(job, "Failed"):
            break
        streak.append(job)
    last = streak[0]
    cond = _cond(last, "Failed") or {}
    evidence = [
        f"Job {name_of(last)}: condition Failed=True reason={cond.get('reason', '')}: "
        f"{trim(cond.get('message', ''), 160)}"
    ]
    runs = _pod_evidence(ctx, last)
    evidence += runs.evidence
    remediation = runs.remediation
    ok = [j for j in finished if _cond(j, "Complete")]
    evidence.append(
        f"last successful run: {name_of(ok[-1])}"
        if ok
        else f"lastSuccessfulTime={(cj.get('status') or {}).get('lastSuccessfulTime', 'never')}"
    )
    remediation.append(
        Remediation(
            "After fixing it, run it once by hand",
            f"kubectl -n {ns} create job {_manual(name)} --from=cronjob/{name}",
        )
    )
    failed_runs = "last run failed" if len(streak) == 1 else f"last {len(streak)} runs failed"
    return _link_dependency(
        Finding(
            CRONJOB_FAILING.id,
            Severity.CRITICAL,
            f"CronJob {name}: {failed_runs} ({_failure_summary(last, evidence)})",
            ObjectRef.of(cj),
            reason=cond.get("reason") or "Failed",
            message=f"The most recent Job of CronJob {name} ({name_of(last)}) failed: "
            f"{clip(cond.get('message') or cond.get('reason') or '')}.",
            evidence=evidence,
            remediation=remediation,
            affected=[ObjectRef.of(j) for j in streak],
        ),
        runs,
    )


def _not_scheduling(ctx: WorkloadContext, cj: KubeObject) -> Finding | None:
    ns, name = namespace_of(cj) or "default", name_of(cj)
    spec, status = cj.get("spec") or {}, cj.get("status") or {}
    schedule = spec.get("schedule") or ""
    reference = parse_time(status.get("lastScheduleTime")) or parse_time(meta(cj).get("creationTimestamp"))
    if ctx.now is None or reference is None:
        return None
    try:
        cron = Cron(schedule)
    except (CronError, ValueError):
        return None  # the API server validates schedules; an odd one is not our finding to make
    first = cron.next_after(reference)
    second = cron.next_after(first) if first else None
    # Two missed firings (plus time-zone slack) before we call it missed: one can be a scheduling hiccup.
    slack = 14 * 3600 if spec.get("timeZone") or schedule.upper().startswith(("TZ=", "CRON_TZ=")) else 300
    if second is None or (ctx.now - second).total_seconds() < slack:
        return None
    never = not status.get("lastScheduleTime")
    evidence = [
        f"schedule {schedule!r}" + (f" timeZone {spec['timeZone']}" if spec.get("timeZone") else ""),
        f"lastScheduleTime={status.get('lastScheduleTime') or 'never'}; was due at {first.isoformat()}",
    ]
    remediation: list[Remediation] = []
    active = status.get("active") or []
    if active and spec.get("concurrencyPolicy") == "Forbid":
        stuck = active[0].get("name", "")
        job = ctx.snapshot.get("Job", ns, stuck)
        running = age(ctx.now, ((job or {}).get("status") or {}).get("startTime"))
        evidence.append(
            f"concurrencyPolicy=Forbid and Job {stuck} is still active"
            + (f" (running for {duration_text(running)})" if running else "")
        )
        remediation.append(
            Remediation(
                f"Job {stuck} blocks every new run: find out why it hangs, then delete it",
                f"kubectl -n {ns} delete job {stuck}",
            )
        )
    deadline = spec.get("startingDeadlineSeconds")
    if deadline is not None and deadline < 60:
        evidence.append(f"startingDeadlineSeconds={deadline}: a run later than that is skipped")
        remediation.append(
            Remediation(
                "Give late runs more time to start",
                f'kubectl -n {ns} patch cronjob {name} -p \'{{"spec":{{"startingDeadlineSeconds":300}}}}\'',
            )
        )
    for ev in ctx.events.about("CronJob", ns, name)[-2:]:
        if ev.get("type") == "Warning":
            evidence.append(event_line(ev))
    if not remediation:
        remediation.append(
            Remediation(
                "Check the CronJob's events and that kube-controller-manager is healthy",
                f"kubectl -n {ns} describe cronjob {name}",
            )
        )
    since = duration_text((ctx.now - reference).total_seconds())
    title = (
        f"CronJob {name} never ran ({since} since creation, schedule {schedule!r})"
        if never
        else f"CronJob {name} stopped running (last run {since} ago, schedule {schedule!r})"
    )
    return Finding(
        CRONJOB_NOT_SCHEDULING.id,
        Severity.WARNING,
        title,
        ObjectRef.of(cj),
        reason="MissedSchedule",
        message="Scheduled runs were not created.",
        evidence=evidence,
        remediation=remediation,
    )
