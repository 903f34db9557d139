-- AlterTable
ALTER TABLE "ServiceAccountToken" ADD COLUMN     "lastUsedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "ExternalApiToken" ADD COLUMN     "lastUsedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "ServiceAccountTokenAddress" (
    "tokenId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "lastUsedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ServiceAccountTokenAddress_pkey" PRIMARY KEY ("tokenId","address")
);

-- CreateTable
CREATE TABLE "ExternalApiTokenAddress" (
    "tokenId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "lastUsedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ExternalApiTokenAddress_pkey" PRIMARY KEY ("tokenId","address")
);

-- AddForeignKey
ALTER TABLE "ServiceAccountTokenAddress" ADD CONSTRAINT "ServiceAccountTokenAddress_tokenId_fkey" FOREIGN KEY ("tokenId") REFERENCES "ServiceAccountToken"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExternalApiTokenAddress" ADD CONSTRAINT "ExternalApiTokenAddress_tokenId_fkey" FOREIGN KEY ("tokenId") REFERENCES "ExternalApiToken"("id") ON DELETE CASCADE ON UPDATE CASCADE;
