-- Credential ids compare in lower case (the API stores them that way from now on).
UPDATE "Agent" SET "telnyxCredentialId" = lower("telnyxCredentialId")
WHERE "telnyxCredentialId" ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

-- A credential linked to several agents stays with the agent created first; the others lose it
-- (their softphones say no credential is assigned) until an admin links them again.
UPDATE "Agent" a SET "telnyxCredentialId" = NULL
WHERE a."telnyxCredentialId" IS NOT NULL AND EXISTS (
  SELECT 1 FROM "Agent" b
  WHERE b."telnyxCredentialId" = a."telnyxCredentialId"
    AND (b."createdAt" < a."createdAt" OR (b."createdAt" = a."createdAt" AND b."id" < a."id"))
);

-- CreateIndex
CREATE UNIQUE INDEX "Agent_telnyxCredentialId_key" ON "Agent"("telnyxCredentialId");
