"""Render: matplotlib figures and terminal previews of simulated schedules."""
