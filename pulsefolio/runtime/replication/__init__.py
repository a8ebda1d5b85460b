"""Streaming replicas of the embedded PostgreSQL and Redis (``up --replicas``) and failover."""
