-- CreateEnum
CREATE TYPE "QueueOverflowKind" AS ENUM ('VOICEMAIL', 'NUMBER', 'QUEUE', 'HANGUP');

-- AlterTable
ALTER TABLE "PhoneNumber" ADD COLUMN     "priority" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "queueId" TEXT;

-- AlterTable
ALTER TABLE "CallLog" ADD COLUMN     "callbackRequested" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "queueId" TEXT,
ADD COLUMN     "waitSeconds" INTEGER;

-- CreateTable
CREATE TABLE "Queue" (
    "id" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "requiredSkills" TEXT,
    "mode" "RoutingMode",
    "ringTimeoutSeconds" INTEGER,
    "businessHours" JSONB,
    "waitEnabled" BOOLEAN NOT NULL DEFAULT true,
    "maxWaitSeconds" INTEGER NOT NULL DEFAULT 300,
    "maxSize" INTEGER NOT NULL DEFAULT 50,
    "overflowKind" "QueueOverflowKind" NOT NULL DEFAULT 'VOICEMAIL',
    "overflowNumber" TEXT,
    "overflowQueueId" TEXT,
    "holdMusicUrl" TEXT,
    "announceEverySeconds" INTEGER NOT NULL DEFAULT 30,
    "waitForAgents" BOOLEAN NOT NULL DEFAULT false,
    "serviceLevelSeconds" INTEGER NOT NULL DEFAULT 20,
    "callbackEnabled" BOOLEAN NOT NULL DEFAULT true,
    "callbackRetries" INTEGER NOT NULL DEFAULT 2,
    "callbackRetryDelaySeconds" INTEGER NOT NULL DEFAULT 60,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Queue_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Queue_companyId_idx" ON "Queue"("companyId");

-- CreateIndex
CREATE INDEX "Queue_overflowQueueId_idx" ON "Queue"("overflowQueueId");

-- CreateIndex
CREATE UNIQUE INDEX "Queue_companyId_name_key" ON "Queue"("companyId", "name");

-- CreateIndex
CREATE INDEX "PhoneNumber_queueId_idx" ON "PhoneNumber"("queueId");

-- AddForeignKey
ALTER TABLE "PhoneNumber" ADD CONSTRAINT "PhoneNumber_queueId_fkey" FOREIGN KEY ("queueId") REFERENCES "Queue"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Queue" ADD CONSTRAINT "Queue_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Queue" ADD CONSTRAINT "Queue_overflowQueueId_fkey" FOREIGN KEY ("overflowQueueId") REFERENCES "Queue"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- Every existing company gets its default queue (docs/QUEUES.md): named 'Main', with the defaults
-- above, and an id derived from the company's, so the migration gives the same result wherever it runs.
INSERT INTO "Queue" ("id", "companyId", "name", "isDefault", "updatedAt")
SELECT 'dq_' || "id", "id", 'Main', true, CURRENT_TIMESTAMP FROM "Company";
