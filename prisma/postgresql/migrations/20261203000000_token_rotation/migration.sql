-- AlterTable
ALTER TABLE "ServiceAccountToken" ADD COLUMN     "rotatedFrom" TEXT,
ADD COLUMN     "rotatedTo" TEXT;

-- AlterTable
ALTER TABLE "InstanceToken" ADD COLUMN     "rotatedFrom" TEXT,
ADD COLUMN     "rotatedTo" TEXT;

-- AlterTable
ALTER TABLE "ExternalApiToken" ADD COLUMN     "rotatedFrom" TEXT,
ADD COLUMN     "rotatedTo" TEXT;
