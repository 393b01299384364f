from kubectl_prism.cli import main

main()
