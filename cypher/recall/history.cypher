// Past recall packages and drills, newest first.
MATCH (recall:Recall)
RETURN recall {.*} AS recall
ORDER BY recall.created_at DESC
