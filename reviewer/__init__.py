"""reviewer: read, check and draft review comments on 项目支出绩效自评表."""

__version__ = "0.1.0"
