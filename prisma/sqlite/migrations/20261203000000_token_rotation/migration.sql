-- AlterTable
ALTER TABLE "ServiceAccountToken" ADD COLUMN "rotatedFrom" TEXT;
ALTER TABLE "ServiceAccountToken" ADD COLUMN "rotatedTo" TEXT;

-- AlterTable
ALTER TABLE "InstanceToken" ADD COLUMN "rotatedFrom" TEXT;
ALTER TABLE "InstanceToken" ADD COLUMN "rotatedTo" TEXT;

-- AlterTable
ALTER TABLE "ExternalApiToken" ADD COLUMN "rotatedFrom" TEXT;
ALTER TABLE "ExternalApiToken" ADD COLUMN "rotatedTo" TEXT;
