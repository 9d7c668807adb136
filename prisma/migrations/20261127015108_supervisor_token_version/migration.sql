-- AlterTable
ALTER TABLE "Company" ADD COLUMN     "supervisorTokenVersion" INTEGER NOT NULL DEFAULT 0;

