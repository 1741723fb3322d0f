"""Studio devices that heal themselves: telemetry (``telemetry``), failure prediction
(``predictor``), per-device incidents (``incidents``) and the switch to the backup input
(``failover``). Pure: the stores and the channel calls are passed in."""
