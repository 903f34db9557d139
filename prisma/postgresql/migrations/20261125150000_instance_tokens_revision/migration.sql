-- AlterTable
ALTER TABLE "Instance" ADD COLUMN     "tokensRevision" INTEGER NOT NULL DEFAULT 0;

