-- DropIndex
DROP INDEX "CallLog_companyId_startedAt_idx";

-- AlterTable
ALTER TABLE "CallLog" ADD COLUMN     "direction" TEXT NOT NULL DEFAULT 'inbound',
ADD COLUMN     "timeline" JSONB NOT NULL DEFAULT '[]';

-- CreateIndex
CREATE INDEX "CallLog_companyId_startedAt_id_idx" ON "CallLog"("companyId", "startedAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "CallLog_companyId_answeredAgentId_startedAt_idx" ON "CallLog"("companyId", "answeredAgentId", "startedAt" DESC);

-- CreateIndex
CREATE INDEX "CallLog_companyId_queueId_startedAt_idx" ON "CallLog"("companyId", "queueId", "startedAt" DESC);

