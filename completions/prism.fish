# fish completion for kubectl-prism / prism (generated; do not edit)
function __prism_complete
    set -l words (commandline -opc)[2..-1] (commandline -ct)
    kubectl_complete-prism $words 2>/dev/null | string match -v -r '^:'
end
complete -c prism -f -a '(__prism_complete)'
complete -c kubectl-prism -f -a '(__prism_complete)'
