"""Small building blocks of a market stack, one concern per module.

Named ``infra_cdk.constructs``: always import it package-qualified (``app.py`` takes its own folder
off ``sys.path`` so this package never shadows the ``constructs`` library).
"""
