-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "telnyxSipUsername" TEXT;

-- CreateTable
CREATE TABLE "CredentialRevocation" (
    "credentialId" TEXT NOT NULL,
    "agentId" TEXT,
    "companyId" TEXT,
    "reason" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CredentialRevocation_pkey" PRIMARY KEY ("credentialId")
);

-- CreateIndex
CREATE INDEX "CredentialRevocation_nextAttemptAt_idx" ON "CredentialRevocation"("nextAttemptAt");

-- CreateIndex
CREATE INDEX "CredentialRevocation_agentId_idx" ON "CredentialRevocation"("agentId");

-- CreateIndex
CREATE UNIQUE INDEX "Agent_telnyxSipUsername_key" ON "Agent"("telnyxSipUsername");

