-- DropIndex
DROP INDEX "AuditEvent_companyId_createdAt_idx";

-- CreateIndex
CREATE INDEX "AuditEvent_companyId_createdAt_id_idx" ON "AuditEvent"("companyId", "createdAt" DESC, "id" DESC);

