"""The business case (seed report chapter 4): plan, cash flow, metrics, feasibility, risk.

Pure: no I/O beyond reading the packaged YAML. The flow ``flows/business_case.py`` feeds it
measured figures and publishes the report.
"""
