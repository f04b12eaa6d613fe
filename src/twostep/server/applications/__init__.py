"""Applications that use twostep: their API keys (what they may do, who made them)."""
