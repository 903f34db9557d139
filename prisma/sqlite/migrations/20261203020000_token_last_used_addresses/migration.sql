-- CreateTable
CREATE TABLE "InstanceTokenAddress" (
    "tokenId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "lastUsedAt" DATETIME NOT NULL,

    PRIMARY KEY ("tokenId", "address"),
    CONSTRAINT "InstanceTokenAddress_tokenId_fkey" FOREIGN KEY ("tokenId") REFERENCES "InstanceToken" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

