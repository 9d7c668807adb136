-- AlterTable
ALTER TABLE "Company" ADD COLUMN     "breakReasons" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "RoutingConfig" ADD COLUMN     "languageMenu" JSONB,
ADD COLUMN     "widenAfterSeconds" INTEGER;

-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "skills" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "telnyxCredentialId" TEXT;

-- AlterTable
ALTER TABLE "PhoneNumber" ADD COLUMN     "requiredSkills" TEXT;

