-- CreateEnum
CREATE TYPE "CallRecordingPolicy" AS ENUM ('OFF', 'ALL', 'ON_DEMAND');

-- AlterTable
ALTER TABLE "Queue" ADD COLUMN     "recording" "CallRecordingPolicy" NOT NULL DEFAULT 'ON_DEMAND';

