"""Demo data for `parindex demo`: units of Lào Cai after the 2025 merger, one account per role
and cycles in progress (see services.demo_setup)."""
