-- CreateEnum
CREATE TYPE "RecordingKind" AS ENUM ('VOICEMAIL', 'CALL');

-- CreateEnum
CREATE TYPE "RecordingStatus" AS ENUM ('PENDING', 'STORED', 'FAILED', 'DELETED');

-- AlterTable
ALTER TABLE "Company" ADD COLUMN     "recordingRetentionDays" INTEGER,
ADD COLUMN     "voicemailEmails" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "Queue" ADD COLUMN     "voicemailEmails" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "Voicemail" ADD COLUMN     "agentId" TEXT,
ADD COLUMN     "handledAt" TIMESTAMP(3),
ADD COLUMN     "handledBy" TEXT,
ADD COLUMN     "language" TEXT,
ADD COLUMN     "queueId" TEXT,
ADD COLUMN     "readAt" TIMESTAMP(3),
ADD COLUMN     "readBy" TEXT,
ADD COLUMN     "recordingId" TEXT,
ADD COLUMN     "transcription" TEXT;

-- CreateTable
CREATE TABLE "Recording" (
    "id" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "recordingSid" TEXT NOT NULL,
    "callSid" TEXT NOT NULL,
    "accountSid" TEXT,
    "kind" "RecordingKind" NOT NULL,
    "status" "RecordingStatus" NOT NULL DEFAULT 'PENDING',
    "sourceUrl" TEXT NOT NULL,
    "storageKey" TEXT,
    "contentType" TEXT,
    "sizeBytes" INTEGER,
    "durationSeconds" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "storedAt" TIMESTAMP(3),
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "Recording_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Recording_status_nextAttemptAt_idx" ON "Recording"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "Recording_companyId_status_storedAt_idx" ON "Recording"("companyId", "status", "storedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Recording_companyId_recordingSid_key" ON "Recording"("companyId", "recordingSid");

-- CreateIndex
CREATE UNIQUE INDEX "Voicemail_recordingId_key" ON "Voicemail"("recordingId");

-- CreateIndex
CREATE INDEX "Voicemail_companyId_queueId_createdAt_idx" ON "Voicemail"("companyId", "queueId", "createdAt");

-- AddForeignKey
ALTER TABLE "Voicemail" ADD CONSTRAINT "Voicemail_recordingId_fkey" FOREIGN KEY ("recordingId") REFERENCES "Recording"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Recording" ADD CONSTRAINT "Recording_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE CASCADE ON UPDATE CASCADE;

