"""The shapes of the Kubernetes objects prism reads: the fields rules, renderers and gathering use.

An API server never serves `restartCount: "lots"` or a list where a container name belongs: it
decodes every object into typed structs first. A snapshot file can hold anything, though, and so can
what claims to be an API server. Rather than every rule guarding every field, objects are checked
once, where they enter the snapshot (`wellformed.check_object`), against the Kubernetes types of the
fields prism reads; an object that does not fit becomes a gap naming it and its first bad field.

The shapes follow the API's types (core/v1, apps/v1, batch/v1, networking.k8s.io/v1, ...), and only
as far as prism reads: fields not listed here are not checked (nothing reads them but the walks of
redaction and output, which take any JSON). `tests/test_hostile_input.py` puts a wrong type into every
field the pipeline reads and fails when one gets through to a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Scalar:
    """A leaf type; `name` is how error lines say it. `null_is_common`: Go writes the zero value of this
    type as null, not by leaving it out (metav1.Time: `lastProbeTime: null` in every pod condition)."""

    name: str
    types: tuple[type, ...]
    null_is_common: bool = False

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool):  # a bool is an int to Python, never a number to Kubernetes
            return bool in self.types
        return isinstance(value, self.types)


@dataclass(frozen=True)
class MapOf:
    """A mapping with text keys and values of one shape (labels, resource lists, ...)."""

    value: Any


@dataclass(frozen=True)
class ListOf:
    item: Any


TEXT = Scalar("text", (str,))
TIME = Scalar("text", (str,), null_is_common=True)  # a timestamp: RFC 3339 text
INT = Scalar("a whole number", (int,))
BOOL = Scalar("true or false", (bool,))
# resource.Quantity reads numbers too (`cpu: 1`), IntOrString reads either; neither reads booleans.
QUANTITY = Scalar("a quantity", (str, int, float))
INT_OR_TEXT = Scalar("a number or text", (str, int))
MAPPING: dict[str, Any] = {}  # a mapping whose content is not checked
TEXTS = ListOf(TEXT)
TEXT_MAP = MapOf(TEXT)
QUANTITIES = MapOf(QUANTITY)

OWNER = {"apiVersion": TEXT, "kind": TEXT, "name": TEXT, "uid": TEXT, "controller": BOOL}
METADATA = {
    "name": TEXT, "namespace": TEXT, "uid": TEXT, "resourceVersion": TEXT, "generation": INT,
    "creationTimestamp": TIME, "deletionTimestamp": TIME, "labels": TEXT_MAP, "annotations": TEXT_MAP,
    "finalizers": TEXTS, "ownerReferences": ListOf(OWNER),
}
REQUIREMENT = {"key": TEXT, "operator": TEXT, "values": TEXTS}
SELECTOR = {"matchLabels": TEXT_MAP, "matchExpressions": ListOf(REQUIREMENT)}
NODE_TERM = {"matchExpressions": ListOf(REQUIREMENT), "matchFields": ListOf(REQUIREMENT)}
NODE_SELECTOR = {"nodeSelectorTerms": ListOf(NODE_TERM)}
POD_TERM = {"labelSelector": SELECTOR, "namespaceSelector": SELECTOR, "namespaces": TEXTS,
            "topologyKey": TEXT}
POD_AFFINITY = {
    "requiredDuringSchedulingIgnoredDuringExecution": ListOf(POD_TERM),
    "preferredDuringSchedulingIgnoredDuringExecution": ListOf({"weight": INT, "podAffinityTerm": POD_TERM}),
}
AFFINITY = {
    "nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": NODE_SELECTOR,
        "preferredDuringSchedulingIgnoredDuringExecution": ListOf({"weight": INT, "preference": NODE_TERM}),
    },
    "podAffinity": POD_AFFINITY,
    "podAntiAffinity": POD_AFFINITY,
}
PROBE = {
    "exec": {"command": TEXTS},
    "httpGet": {"path": TEXT, "port": INT_OR_TEXT, "host": TEXT, "scheme": TEXT},
    "tcpSocket": {"port": INT_OR_TEXT, "host": TEXT},
    "grpc": {"port": INT, "service": TEXT},
    "initialDelaySeconds": INT, "periodSeconds": INT, "timeoutSeconds": INT, "failureThreshold": INT,
    "successThreshold": INT, "terminationGracePeriodSeconds": INT,
}
KEY_REF = {"name": TEXT, "key": TEXT, "optional": BOOL}
NAME_REF = {"name": TEXT, "optional": BOOL}
KEY_PATHS = ListOf({"key": TEXT, "path": TEXT, "mode": INT})
SECURITY_CONTEXT = {"runAsNonRoot": BOOL, "runAsUser": INT, "runAsGroup": INT, "privileged": BOOL,
                    "readOnlyRootFilesystem": BOOL, "allowPrivilegeEscalation": BOOL}
CONTAINER = {
    "name": TEXT, "image": TEXT, "imagePullPolicy": TEXT, "command": TEXTS, "args": TEXTS,
    "workingDir": TEXT, "restartPolicy": TEXT,
    "env": ListOf({"name": TEXT, "value": TEXT, "valueFrom": {
        "configMapKeyRef": KEY_REF, "secretKeyRef": KEY_REF, "fieldRef": {"fieldPath": TEXT},
        "resourceFieldRef": {"resource": TEXT, "containerName": TEXT}}}),
    "envFrom": ListOf({"prefix": TEXT, "configMapRef": NAME_REF, "secretRef": NAME_REF}),
    "ports": ListOf({"name": TEXT, "containerPort": INT, "hostPort": INT, "protocol": TEXT}),
    "resources": {"limits": QUANTITIES, "requests": QUANTITIES},
    "livenessProbe": PROBE, "readinessProbe": PROBE, "startupProbe": PROBE,
    "volumeMounts": ListOf({"name": TEXT, "mountPath": TEXT, "subPath": TEXT, "readOnly": BOOL}),
    "securityContext": SECURITY_CONTEXT,
}
VOLUME = {
    "name": TEXT,
    "configMap": {"name": TEXT, "optional": BOOL, "items": KEY_PATHS},
    "secret": {"secretName": TEXT, "optional": BOOL, "items": KEY_PATHS},
    "persistentVolumeClaim": {"claimName": TEXT, "readOnly": BOOL},
    "hostPath": {"path": TEXT, "type": TEXT},
    "emptyDir": {"medium": TEXT, "sizeLimit": QUANTITY},
    "nfs": {"server": TEXT, "path": TEXT, "readOnly": BOOL},
    "csi": {"driver": TEXT, "volumeAttributes": TEXT_MAP},
    "projected": {"sources": ListOf({
        "configMap": {"name": TEXT, "optional": BOOL, "items": KEY_PATHS},
        "secret": {"name": TEXT, "optional": BOOL, "items": KEY_PATHS},
        "downwardAPI": MAPPING,
        "serviceAccountToken": {"path": TEXT, "audience": TEXT, "expirationSeconds": INT},
    })},
}
TOLERATION = {"key": TEXT, "operator": TEXT, "value": TEXT, "effect": TEXT, "tolerationSeconds": INT}
POD_SPEC = {
    "containers": ListOf(CONTAINER), "initContainers": ListOf(CONTAINER),
    "ephemeralContainers": ListOf(CONTAINER), "volumes": ListOf(VOLUME),
    "imagePullSecrets": ListOf({"name": TEXT}), "nodeName": TEXT, "nodeSelector": TEXT_MAP,
    "affinity": AFFINITY, "tolerations": ListOf(TOLERATION), "restartPolicy": TEXT,
    "serviceAccountName": TEXT, "serviceAccount": TEXT, "priorityClassName": TEXT, "priority": INT,
    "schedulerName": TEXT, "hostNetwork": BOOL, "overhead": QUANTITIES,
    "securityContext": SECURITY_CONTEXT, "terminationGracePeriodSeconds": INT,
    "activeDeadlineSeconds": INT, "dnsPolicy": TEXT, "runtimeClassName": TEXT,
}
STATE = {
    "waiting": {"reason": TEXT, "message": TEXT},
    "running": {"startedAt": TIME},
    "terminated": {"exitCode": INT, "signal": INT, "reason": TEXT, "message": TEXT, "startedAt": TIME,
                   "finishedAt": TIME, "containerID": TEXT},
}
CONTAINER_STATUS = {
    "name": TEXT, "image": TEXT, "imageID": TEXT, "containerID": TEXT, "ready": BOOL, "started": BOOL,
    "restartCount": INT, "state": STATE, "lastState": STATE,
}
CONDITION = {"type": TEXT, "status": TEXT, "reason": TEXT, "message": TEXT, "lastTransitionTime": TIME,
             "lastUpdateTime": TIME, "lastProbeTime": TIME, "lastHeartbeatTime": TIME}
CONDITIONS = ListOf(CONDITION)
POD_TEMPLATE = {"metadata": METADATA, "spec": POD_SPEC}
LOAD_BALANCER = {"ingress": ListOf({"ip": TEXT, "hostname": TEXT})}
OBJECT_REF = {"apiVersion": TEXT, "kind": TEXT, "name": TEXT, "namespace": TEXT, "uid": TEXT,
              "fieldPath": TEXT}
PVC_SPEC = {"accessModes": TEXTS, "resources": {"requests": QUANTITIES, "limits": QUANTITIES},
            "storageClassName": TEXT, "volumeName": TEXT, "volumeMode": TEXT, "selector": SELECTOR}
JOB_SPEC = {"completions": INT, "parallelism": INT, "backoffLimit": INT, "activeDeadlineSeconds": INT,
            "ttlSecondsAfterFinished": INT, "suspend": BOOL, "selector": SELECTOR, "template": POD_TEMPLATE}
ENDPOINT_ADDRESS = {"ip": TEXT, "hostname": TEXT, "nodeName": TEXT, "targetRef": OBJECT_REF}
BACKEND = {"service": {"name": TEXT, "port": {"name": TEXT, "number": INT}},
           "resource": {"apiGroup": TEXT, "kind": TEXT, "name": TEXT}}
METRIC_TARGET = {"type": TEXT, "averageUtilization": INT, "averageValue": QUANTITY, "value": QUANTITY}
METRIC_VALUE = {"averageUtilization": INT, "averageValue": QUANTITY, "value": QUANTITY}
METRIC_ID = {"name": TEXT, "selector": SELECTOR}
HPA_METRIC = {
    "type": TEXT,
    "resource": {"name": TEXT, "target": METRIC_TARGET},
    "containerResource": {"name": TEXT, "container": TEXT, "target": METRIC_TARGET},
    "pods": {"metric": METRIC_ID, "target": METRIC_TARGET},
    "object": {"metric": METRIC_ID, "target": METRIC_TARGET,
               "describedObject": {"apiVersion": TEXT, "kind": TEXT, "name": TEXT}},
    "external": {"metric": METRIC_ID, "target": METRIC_TARGET},
}
HPA_METRIC_STATUS = {
    "type": TEXT,
    "resource": {"name": TEXT, "current": METRIC_VALUE},
    "containerResource": {"name": TEXT, "container": TEXT, "current": METRIC_VALUE},
    "pods": {"metric": METRIC_ID, "current": METRIC_VALUE},
    "object": {"metric": METRIC_ID, "current": METRIC_VALUE},
    "external": {"metric": METRIC_ID, "current": METRIC_VALUE},
}
PEER = {"podSelector": SELECTOR, "namespaceSelector": SELECTOR, "ipBlock": {"cidr": TEXT, "except": TEXTS}}
POLICY_PORTS = ListOf({"port": INT_OR_TEXT, "endPort": INT, "protocol": TEXT})
WEBHOOK = {
    "name": TEXT, "failurePolicy": TEXT, "sideEffects": TEXT, "timeoutSeconds": INT,
    "clientConfig": {"url": TEXT, "service": {"name": TEXT, "namespace": TEXT, "path": TEXT, "port": INT}},
    "rules": ListOf({"operations": TEXTS, "apiGroups": TEXTS, "apiVersions": TEXTS, "resources": TEXTS,
                     "scope": TEXT}),
    "namespaceSelector": SELECTOR, "objectSelector": SELECTOR,
}
SET_STATUS = {"replicas": INT, "readyReplicas": INT, "availableReplicas": INT, "updatedReplicas": INT,
              "unavailableReplicas": INT, "currentReplicas": INT, "fullyLabeledReplicas": INT,
              "observedGeneration": INT, "currentRevision": TEXT, "updateRevision": TEXT,
              "conditions": CONDITIONS}

# Every object, whatever its kind (unknown kinds too).
COMMON = {"apiVersion": TEXT, "kind": TEXT, "metadata": METADATA}

SHAPES: dict[str, dict[str, Any]] = {
    "Pod": {"spec": POD_SPEC, "status": {
        "phase": TEXT, "reason": TEXT, "message": TEXT, "hostIP": TEXT, "podIP": TEXT, "qosClass": TEXT,
        "nominatedNodeName": TEXT, "startTime": TIME, "conditions": CONDITIONS,
        "containerStatuses": ListOf(CONTAINER_STATUS), "initContainerStatuses": ListOf(CONTAINER_STATUS),
        "ephemeralContainerStatuses": ListOf(CONTAINER_STATUS)}},
    "Deployment": {"spec": {
        "replicas": INT, "selector": SELECTOR, "template": POD_TEMPLATE, "paused": BOOL,
        "progressDeadlineSeconds": INT, "minReadySeconds": INT, "revisionHistoryLimit": INT,
        "strategy": {"type": TEXT,
                     "rollingUpdate": {"maxSurge": INT_OR_TEXT, "maxUnavailable": INT_OR_TEXT}}},
        "status": SET_STATUS},
    "ReplicaSet": {"spec": {"replicas": INT, "selector": SELECTOR, "template": POD_TEMPLATE},
                   "status": SET_STATUS},
    "ReplicationController": {"spec": {"replicas": INT, "selector": TEXT_MAP, "template": POD_TEMPLATE},
                              "status": SET_STATUS},
    "StatefulSet": {"spec": {
        "replicas": INT, "selector": SELECTOR, "template": POD_TEMPLATE, "serviceName": TEXT,
        "podManagementPolicy": TEXT, "updateStrategy": {"type": TEXT},
        "volumeClaimTemplates": ListOf({"metadata": METADATA, "spec": PVC_SPEC})},
        "status": SET_STATUS},
    "DaemonSet": {"spec": {"selector": SELECTOR, "template": POD_TEMPLATE, "updateStrategy": {"type": TEXT}},
                  "status": {"currentNumberScheduled": INT, "desiredNumberScheduled": INT,
                             "numberAvailable": INT, "numberMisscheduled": INT, "numberReady": INT,
                             "numberUnavailable": INT, "updatedNumberScheduled": INT,
                             "observedGeneration": INT, "conditions": CONDITIONS}},
    "Job": {"spec": JOB_SPEC, "status": {
        "active": INT, "succeeded": INT, "failed": INT, "ready": INT, "startTime": TIME,
        "completionTime": TIME, "conditions": CONDITIONS}},
    "CronJob": {"spec": {
        "schedule": TEXT, "timeZone": TEXT, "concurrencyPolicy": TEXT, "suspend": BOOL,
        "startingDeadlineSeconds": INT, "successfulJobsHistoryLimit": INT, "failedJobsHistoryLimit": INT,
        "jobTemplate": {"metadata": METADATA, "spec": JOB_SPEC}},
        "status": {"active": ListOf(OBJECT_REF), "lastScheduleTime": TIME, "lastSuccessfulTime": TIME}},
    "Service": {"spec": {
        "type": TEXT, "clusterIP": TEXT, "clusterIPs": TEXTS, "externalName": TEXT, "externalIPs": TEXTS,
        "loadBalancerClass": TEXT, "selector": TEXT_MAP, "publishNotReadyAddresses": BOOL,
        "ports": ListOf({"name": TEXT, "port": INT, "targetPort": INT_OR_TEXT, "nodePort": INT,
                         "protocol": TEXT, "appProtocol": TEXT})},
        "status": {"loadBalancer": LOAD_BALANCER, "conditions": CONDITIONS}},
    "Endpoints": {"subsets": ListOf({
        "addresses": ListOf(ENDPOINT_ADDRESS), "notReadyAddresses": ListOf(ENDPOINT_ADDRESS),
        "ports": ListOf({"name": TEXT, "port": INT, "protocol": TEXT})})},
    "Event": {
        "involvedObject": OBJECT_REF, "regarding": OBJECT_REF, "related": OBJECT_REF,
        "reason": TEXT, "message": TEXT, "note": TEXT, "type": TEXT, "action": TEXT, "count": INT,
        "deprecatedCount": INT, "firstTimestamp": TIME, "lastTimestamp": TIME, "eventTime": TIME,
        "deprecatedFirstTimestamp": TIME, "deprecatedLastTimestamp": TIME,
        "reportingComponent": TEXT, "reportingController": TEXT,
        "source": {"component": TEXT, "host": TEXT}, "deprecatedSource": {"component": TEXT, "host": TEXT},
        "series": {"count": INT, "lastObservedTime": TIME}},
    "ConfigMap": {"data": TEXT_MAP, "binaryData": TEXT_MAP},
    "Secret": {"type": TEXT},
    "PersistentVolumeClaim": {"spec": PVC_SPEC, "status": {
        "phase": TEXT, "capacity": QUANTITIES, "accessModes": TEXTS, "conditions": CONDITIONS}},
    "PersistentVolume": {"spec": {
        "capacity": QUANTITIES, "accessModes": TEXTS, "storageClassName": TEXT,
        "persistentVolumeReclaimPolicy": TEXT, "volumeMode": TEXT, "claimRef": OBJECT_REF,
        "nodeAffinity": {"required": NODE_SELECTOR}, "nfs": {"server": TEXT, "path": TEXT},
        "csi": {"driver": TEXT, "volumeHandle": TEXT}, "hostPath": {"path": TEXT},
        "local": {"path": TEXT}},
        "status": {"phase": TEXT, "reason": TEXT, "message": TEXT}},
    "Node": {"spec": {
        "unschedulable": BOOL, "podCIDR": TEXT, "podCIDRs": TEXTS, "providerID": TEXT,
        "taints": ListOf({"key": TEXT, "value": TEXT, "effect": TEXT, "timeAdded": TIME})},
        "status": {
            "capacity": QUANTITIES, "allocatable": QUANTITIES, "conditions": CONDITIONS,
            "addresses": ListOf({"type": TEXT, "address": TEXT}),
            "nodeInfo": {k: TEXT for k in (
                "kubeletVersion", "kubeProxyVersion", "containerRuntimeVersion", "osImage", "kernelVersion",
                "operatingSystem", "architecture", "machineID", "systemUUID", "bootID")},
            "images": ListOf({"names": TEXTS, "sizeBytes": INT}), "volumesInUse": TEXTS}},
    "Namespace": {"status": {"phase": TEXT, "conditions": CONDITIONS}},
    "Ingress": {"spec": {
        "ingressClassName": TEXT, "defaultBackend": BACKEND,
        "rules": ListOf({"host": TEXT, "http": {"paths": ListOf({"path": TEXT, "pathType": TEXT,
                                                                   "backend": BACKEND})}}),
        "tls": ListOf({"hosts": TEXTS, "secretName": TEXT})},
        "status": {"loadBalancer": LOAD_BALANCER}},
    "IngressClass": {"spec": {"controller": TEXT}},
    "StorageClass": {"provisioner": TEXT, "volumeBindingMode": TEXT, "reclaimPolicy": TEXT,
                     "allowVolumeExpansion": BOOL, "parameters": TEXT_MAP},
    "HorizontalPodAutoscaler": {"spec": {
        "scaleTargetRef": {"apiVersion": TEXT, "kind": TEXT, "name": TEXT}, "minReplicas": INT,
        "maxReplicas": INT, "metrics": ListOf(HPA_METRIC), "targetCPUUtilizationPercentage": INT},
        "status": {"currentReplicas": INT, "desiredReplicas": INT, "lastScaleTime": TIME,
                   "currentMetrics": ListOf(HPA_METRIC_STATUS), "currentCPUUtilizationPercentage": INT,
                   "conditions": CONDITIONS}},
    "PodDisruptionBudget": {"spec": {"minAvailable": INT_OR_TEXT, "maxUnavailable": INT_OR_TEXT,
                                     "selector": SELECTOR, "unhealthyPodEvictionPolicy": TEXT},
                            "status": {"currentHealthy": INT, "desiredHealthy": INT,
                                       "disruptionsAllowed": INT, "expectedPods": INT,
                                       "conditions": CONDITIONS}},
    "NetworkPolicy": {"spec": {
        "podSelector": SELECTOR, "policyTypes": TEXTS,
        "ingress": ListOf({"from": ListOf(PEER), "ports": POLICY_PORTS}),
        "egress": ListOf({"to": ListOf(PEER), "ports": POLICY_PORTS})}},
    "ResourceQuota": {"spec": {"hard": QUANTITIES, "scopes": TEXTS},
                      "status": {"hard": QUANTITIES, "used": QUANTITIES}},
    "LimitRange": {"spec": {"limits": ListOf({
        "type": TEXT, "max": QUANTITIES, "min": QUANTITIES, "default": QUANTITIES,
        "defaultRequest": QUANTITIES, "maxLimitRequestRatio": QUANTITIES})}},
    "ServiceAccount": {"secrets": ListOf({"name": TEXT}), "imagePullSecrets": ListOf({"name": TEXT}),
                       "automountServiceAccountToken": BOOL},
    "ValidatingWebhookConfiguration": {"webhooks": ListOf(WEBHOOK)},
    "MutatingWebhookConfiguration": {"webhooks": ListOf({**WEBHOOK, "reinvocationPolicy": TEXT})},
    "PodMetrics": {"timestamp": TIME, "window": TEXT,
                   "containers": ListOf({"name": TEXT, "usage": QUANTITIES})},
    "NodeMetrics": {"timestamp": TIME, "window": TEXT, "usage": QUANTITIES},
}
