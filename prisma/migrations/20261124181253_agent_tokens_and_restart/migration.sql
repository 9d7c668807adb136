-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "presenceLeaseExpiresAt" TIMESTAMP(3),
ADD COLUMN     "presenceSipRegistered" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "tokenVersion" INTEGER NOT NULL DEFAULT 0;

