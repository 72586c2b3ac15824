"""Care funds: an append-only ledger, assistance applications with approvals, cost sharing between levels and
public disclosure."""
