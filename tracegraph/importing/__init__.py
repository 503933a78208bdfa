"""Importing ERP/MES exports: read files, validate rows, write the graph, keep the ledger."""
