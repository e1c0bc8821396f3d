"""Media service: MediaCMS search, paid queue / playnext / forcenow, force-play approvals, automatic refunds."""
