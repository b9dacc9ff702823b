"""Chapter content: functions the section notebooks call (logic lives here, not in notebooks)."""
