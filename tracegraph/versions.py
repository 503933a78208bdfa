"""The one place where the Neo4j versions tracegraph runs against are pinned.

The local server is assembled from these Maven Central artifacts; docker-compose.yml names the
same server version (a test keeps the two in step).
"""

NEO4J_VERSION = "5.26.30"
NEO4J_BROWSER_VERSION = "5.24.0"

# Neo4j 5.26 runs on Java 17 or 21 and refuses anything else.
SUPPORTED_JAVA_MAJORS = (17, 21)

MAVEN_ARTIFACTS = (
    ("org.neo4j", "neo4j", NEO4J_VERSION),
    ("org.neo4j.app", "neo4j-server", NEO4J_VERSION),
    ("org.neo4j.client", "neo4j-browser", NEO4J_BROWSER_VERSION),
)
