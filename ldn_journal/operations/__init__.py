"""Operations: the signals an operator watches (metrics, health, heartbeats, channel state)."""
