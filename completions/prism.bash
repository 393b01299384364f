# bash completion for kubectl-prism / prism (generated; do not edit)
_prism_complete() {
    local IFS=$'\n'
    local words=("${COMP_WORDS[@]:1:COMP_CWORD}")
    COMPREPLY=($(kubectl_complete-prism "${words[@]}" 2>/dev/null | grep -v '^:'))
}
complete -F _prism_complete prism kubectl-prism
