"""The reconciler: tenant stacks brought to what git declares, one worker process per stack.

``changes`` finds the stacks whose head differs from what the backend applied, or that two
revisions differ on (pure git), ``project`` builds the head revision's project and per-stack work
directories, ``worker`` runs one stack through the Automation API (and recovers what a killed run
left), ``processes`` keeps each worker in a session swept when it ends, ``runner`` orchestrates
them with bounded parallelism, ``report`` renders JSON and markdown. ``ethiq reconcile``,
``ethiq deploy-all`` and ``ethiq drift`` are the commands.
"""
