-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "RoutingMode" ADD VALUE 'RING_ALL';
ALTER TYPE "RoutingMode" ADD VALUE 'ROUND_ROBIN';
ALTER TYPE "RoutingMode" ADD VALUE 'LONGEST_IDLE';
ALTER TYPE "RoutingMode" ADD VALUE 'FEWEST_CALLS';
ALTER TYPE "RoutingMode" ADD VALUE 'RANDOM';
ALTER TYPE "RoutingMode" ADD VALUE 'SEQUENTIAL';
ALTER TYPE "RoutingMode" ADD VALUE 'PROGRESSIVE';

-- AlterTable
ALTER TABLE "RoutingConfig" ADD COLUMN     "afterHoursGreeting" TEXT NOT NULL DEFAULT 'We are closed right now. Please leave a message after the tone.',
ADD COLUMN     "afterHoursKind" "FallbackKind" NOT NULL DEFAULT 'VOICEMAIL',
ADD COLUMN     "autoPauseAfterMisses" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "businessHours" JSONB,
ADD COLUMN     "maxHuntSeconds" INTEGER NOT NULL DEFAULT 120,
ADD COLUMN     "progressiveStepSeconds" INTEGER NOT NULL DEFAULT 10,
ADD COLUMN     "roundRobinLast" TEXT,
ADD COLUMN     "wrapUpSeconds" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "lastCallEndedAt" TIMESTAMP(3),
ADD COLUMN     "position" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "tier" INTEGER NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "CallLog" (
    "id" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "callSid" TEXT NOT NULL,
    "from" TEXT NOT NULL,
    "to" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "answeredAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    "offeredAgentIds" TEXT[],
    "answeredAgentId" TEXT,
    "outcome" TEXT,

    CONSTRAINT "CallLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CallLog_companyId_startedAt_idx" ON "CallLog"("companyId", "startedAt");

-- CreateIndex
CREATE UNIQUE INDEX "CallLog_companyId_callSid_key" ON "CallLog"("companyId", "callSid");

-- AddForeignKey
ALTER TABLE "CallLog" ADD CONSTRAINT "CallLog_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE CASCADE ON UPDATE CASCADE;

