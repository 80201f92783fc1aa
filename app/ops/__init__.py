"""Operations: backups and moving a site's data between databases (no Flask in the logic)."""
