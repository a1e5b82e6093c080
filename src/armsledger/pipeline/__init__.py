"""The build: the DAG of steps (validate, execute notebooks, variables, bibliography, render,
publish) run by doit, and the checks of what it published. Nothing in the package imports it
but the command line."""
